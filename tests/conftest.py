"""Shared fixtures: every available device, the float dtypes the code supports, tiny weights, a photo."""

from __future__ import annotations

import pytest
import torch

from infinite_nature.models import (
    DepthSkyNet,
    RefinerConfig,
    RefinerNet,
    SkyGenerator,
    SkyGeneratorConfig,
    save_checkpoint,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> torch.device:
    return torch.device(request.param)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> torch.dtype:
    return request.param


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """A weights folder with small, randomly initialised networks (the real code paths, fast)."""
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    save_checkpoint(RefinerNet(RefinerConfig(channels=(8, 16, 16))).eval(), folder / "refiner")
    save_checkpoint(SkyGenerator(SkyGeneratorConfig(pano_height=32, pano_width=128, channels=(8, 8))).eval(), folder / "sky_generator")
    save_checkpoint(DepthSkyNet().eval(), folder / "depth_sky")
    return folder


@pytest.fixture(scope="session")
def photo(tmp_path_factory):
    """A landscape photo (a procedural world view saved as JPEG), 96x64."""
    from infinite_nature.data.writer import write_image
    from infinite_nature.world import World

    folder = tmp_path_factory.mktemp("photos")
    world = World(5)
    view = world.render(world.sample_camera(64, 96))
    path = folder / "valley.jpg"
    write_image(path, view.rgb_uint8())
    return path
