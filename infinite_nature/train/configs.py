"""Training recipes as dataclasses: field help becomes ``infinite-nature train`` flags; YAML files
in ``configs/train/`` set the recipe values and flags override them."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infinite_nature.errors import UsageError

CROP_MIN = 0.7  # random training crops cover at least this share of a view's short side (--crop-min)


def _f(default, help_text: str, **extra):
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: default, metadata={"help": help_text, **extra})
    return field(default=default, metadata={"help": help_text, **extra})


@dataclass
class TrainConfig:
    """Shared by every recipe."""

    data: str | None = _f(None, "a photo folder (depth and sky computed once by --depth and cached)")
    worlds: str | None = _f(None, "an exported procedural-world folder ('infinite-nature world export'), or "
                                  "seeds:FIRST-LAST to render those worlds' views as they are drawn (no export; "
                                  "each view about 0.6 s of one core at 192²: use --workers)")
    out: str = _f("runs/train", "output folder: checkpoints, logs, samples, export")
    max_steps: int = _f(2000, "training steps (batches)", minimum=1)
    max_minutes: float = _f(0.0, "stop after this many minutes even before --max-steps, then export as usual "
                            "(0: no limit)", minimum=0)
    batch_size: int = _f(8, "images per batch and device", minimum=1)
    resolution: int = _f(128, "square training crop size", minimum=32)
    learning_rate: float = _f(2e-4, "Adam learning rate", minimum=0)
    seed: int = _f(0, "random seed (data order, crops, virtual cameras)", minimum=0, maximum=2**32 - 1)
    workers: int = _f(0, "processes that build training batches ahead of the step (0: the training process "
                      "builds them)", minimum=0)
    depth: str = _f("builtin", "depth backend for --data photos without depth sidecars")
    depth_weights: str | None = _f(None, "local weights for --depth (see docs/networks.md)")
    accelerator: str = _f("auto", "Lightning accelerator: auto, cpu, gpu")
    devices: str = _f("1", "devices per node: a number, 'auto' or a list like 0,1")
    strategy: str = _f("auto", "Lightning strategy, e.g. ddp")
    num_nodes: int = _f(1, "nodes (multi-node DDP)", minimum=1)
    precision: str = _f("32-true", "Lightning precision, e.g. 16-mixed or bf16-mixed on GPU")
    resume: str | None = _f(None, "a Lightning checkpoint (OUT/checkpoints/last.ckpt) to continue from")
    init_weights: str | None = _f(None, "start from these weights: a checkpoint (NAME or NAME.safetensors) or a folder "
                                         "holding one per network, e.g. infinite_nature/weights/default or a run's OUT/export")
    log_every: int = _f(10, "log losses every N steps", minimum=1)
    sample_every: int = _f(200, "save a sample grid every N steps (0: never)", minimum=0)
    checkpoint_every: int = _f(200, "save a resumable checkpoint every N steps (0: only the last, at the end)",
                               minimum=0)
    validate_every: int = _f(500, "run the held-out validation every N steps (0: never)", minimum=0)
    overwrite: bool = _f(False, "replace the run already in --out (its checkpoints, export, samples and logs); "
                         "without it such an --out is refused, unless --resume continues that run")
    progress: bool = _f(True, "show a progress bar")
    fast_dev_run: bool = _f(False, "run one training and one validation batch to check the setup, then export")


@dataclass
class DepthTrainConfig(TrainConfig):
    encoder: str = _f("mobilenetv4_conv_small", "timm encoder (created with pretrained=False)")
    decoder_channels: int = _f(48, "width of the feature-pyramid decoder", minimum=1)
    disparity_output: str = _f("softplus", "what the disparity head predicts: softplus (disparity) or exp "
                               "(log-disparity: its errors count as relative errors at every distance)",
                               choices=("softplus", "exp"))
    gradient_weight: float = _f(0.5, "weight of the gradient-matching loss", minimum=0)
    relative_weight: float = _f(0.0, "weight of the relative depth error (AbsRel after alignment); it weighs far "
                                "terrain up", minimum=0)
    sky_weight: float = _f(0.2, "weight of the sky BCE loss", minimum=0)
    far_view_weight: float = _f(0.0, "draw views of far terrain more often: weight (median ground depth / the "
                                "collection's median) ** this, clipped to [1/8, 8] (0: uniform draws)", minimum=0)
    depth_range_weight: float = _f(0.0, "draw views with a near rock face or crest before farther ground more often: "
                                   "weight (the view's 95th percentile of ground disparity over its median / the "
                                   "collection's median of that) ** this, times the far-view weight, clipped to "
                                   "[1/8, 8] (0: not by depth range)", minimum=0)
    colour_jitter: float = _f(0.0, "random hue, saturation, contrast, brightness, gamma and white balance of the "
                              "input views, 0-1 (1: any hue); the worlds' narrow palette otherwise teaches "
                              "depth from colour (0: the views' own colours)", minimum=0, maximum=1)
    clouds: float = _f(0.0, "share of the training views (0-1) that get bright, shaded clouds painted into "
                       "their sky; the worlds' clouds are thin layers, and real photos' cumulus were read "
                       "as distant ground (0: none)", minimum=0, maximum=1)
    crop_min: float = _f(CROP_MIN, "the least share of a view's short side a random training crop covers (0.1-1; "
                         "1: whole views, as generate and eval show the network)", minimum=0.1, maximum=1)
    sky_photos: str | None = _f(None, "photos with hand-made sky masks (NAME.sky.png beside NAME.jpg) whose sky IoU "
                                "each validation logs as val/photo_sky_iou, as train promote judges it: the worlds "
                                "cannot show a sky head that calls a real mountain sky (default: the repository's "
                                "examples/photos, where it is; none: not measured)")
    learning_rate: float = _f(1e-3, "Adam learning rate", minimum=0)


@dataclass
class RefinerTrainConfig(TrainConfig):
    mode: str = _f("cycle", "cycle: there-and-back renders of still views (InfiniteNature-Zero, photos work); "
                   "trajectory: true novel views along world paths (Infinite Nature 2021; needs "
                   "'world export --path-steps N')", choices=("cycle", "trajectory"))
    reconstruction_weight: float = _f(1.0, "L1 weight on the cycle view, or the true target view (RGB + disparity)",
                                      minimum=0)
    hole_weight: float = _f(2.0, "extra L1 weight inside the holes of the cycle (or target) view", minimum=0)
    adversarial_weight: float = _f(0.05, "hinge GAN weight on the non-cyclic (forward) views, or the target views",
                                   minimum=0)
    feature_matching_weight: float = _f(1.0, "discriminator feature matching on the cycle (or target) view", minimum=0)
    r1_weight: float = _f(0.0, "R1 penalty on real images (spectral norm is on already)", minimum=0)
    ema_decay: float = _f(0.995, "EMA of the generator weights (the EMA is what gets exported)", minimum=0, below=1)
    motion_scale: float = _f(1.0, "strength of the virtual camera moves", above=0)
    adversarial_start: int = _f(200, "steps of pure reconstruction before the GAN losses start", minimum=0)
    perceptual_weights: str | None = _f(None, "torchvision VGG16 ImageNet weights on disk (a state dict such as "
                                        "vgg16-397923af.pth) for a perceptual loss on the cycle (or target) view, "
                                        "as the published systems trained; nothing is downloaded (none: "
                                        "discriminator feature matching only)")
    perceptual_weight: float = _f(1.0, "weight of that perceptual loss", minimum=0)


@dataclass
class SkyTrainConfig(TrainConfig):
    adversarial_weight: float = _f(0.02, "hinge GAN weight on the completed domes", minimum=0)
    ema_decay: float = _f(0.995, "EMA of the generator weights", minimum=0, below=1)
    learning_rate: float = _f(5e-4, "Adam learning rate", minimum=0)
    carried_base: bool = _f(True, "complete the dome as a learnt change to the visible sky carried round it "
                                  "(--no-carried-base: from nothing, as networks before it did)")


RECIPES: dict[str, type[TrainConfig]] = {"depth": DepthTrainConfig, "refiner": RefinerTrainConfig, "sky": SkyTrainConfig}


_YAML_TYPES = {  # a field's type: the YAML values it takes, and how to say so
    int: ((int,), "a whole number"),
    float: ((int, float), "a number"),
    str: ((str,), "text"),
    bool: ((bool,), "true or false"),
    str | None: ((str, type(None)), "text or null"),
}


def load_yaml_config(path: str | Path, config_class: type[TrainConfig]) -> dict[str, object]:
    """Values from a recipe YAML file, checked against the recipe's fields."""
    try:
        values = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UsageError(f"--config {path}: no such file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise UsageError(f"--config {path}: not valid YAML{where} ({problem})") from None
    if not isinstance(values, dict):
        raise UsageError(f"--config {path}: expected a mapping of field: value")
    names = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise UsageError(f"--config {path}: unknown field(s) {', '.join(unknown)}")
    hints = typing.get_type_hints(config_class)
    for name, value in values.items():
        accepted, words = _YAML_TYPES.get(hints[name], ((object,), ""))
        if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
            raise UsageError(f"--config {path}: {name} must be {words}, got {value!r}")
    for f in dataclasses.fields(config_class):
        choices = f.metadata.get("choices")
        if choices and f.name in values and values[f.name] not in choices:
            raise UsageError(f"--config {path}: {f.name} must be one of {', '.join(choices)}, got {values[f.name]!r}")
    return values
