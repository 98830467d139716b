"""The networks of render-refine-repeat, and their one checkpoint format."""

from infinite_nature.models.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from infinite_nature.models.depth_sky import DepthSkyConfig, DepthSkyNet
from infinite_nature.models.discriminator import DiscriminatorConfig, MultiScaleDiscriminator
from infinite_nature.models.pretrained import WeightsNotFound, available_pretrained, load_pretrained
from infinite_nature.models.refiner import RefinerConfig, RefinerNet
from infinite_nature.models.sky_generator import SkyGenerator, SkyGeneratorConfig

__all__ = [
    "CheckpointError",
    "DepthSkyConfig",
    "DepthSkyNet",
    "DiscriminatorConfig",
    "MultiScaleDiscriminator",
    "RefinerConfig",
    "RefinerNet",
    "SkyGenerator",
    "SkyGeneratorConfig",
    "WeightsNotFound",
    "available_pretrained",
    "load_checkpoint",
    "load_pretrained",
    "save_checkpoint",
]
