"""What each benchmark measures (``infinite-nature bench TARGET`` flags come from these fields);
free of torch, so the command line's help is instant."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RenderBenchConfig:
    """What ``infinite-nature bench render`` measures."""

    sizes: tuple[int, ...] = field(default=(256, 512, 1024), metadata={"help": "square image sizes to time"})
    backends: tuple[str, ...] = field(
        default=("torch", "cuda", "pytorch3d"),
        metadata={"help": "backends to time; those unavailable on this device are listed as skipped"},
    )
    repeats: int = field(default=10, metadata={"help": "timed runs per figure (the median is reported)"})
    mode: str = field(default="softmax", metadata={"help": "splatting mode", "choices": ["softmax", "zbuffer"]})


@dataclass
class ModelsBenchConfig:
    """What ``infinite-nature bench models`` measures."""

    size: int = field(default=256, metadata={"help": "square input size for the per-frame networks"})
    repeats: int = field(default=10, metadata={"help": "timed runs per figure (the median is reported)"})


@dataclass
class WorldBenchConfig:
    """What ``infinite-nature bench world`` measures."""

    sizes: tuple[int, ...] = field(default=(256, 512), metadata={"help": "square image sizes to time"})
    seeds: tuple[int, ...] = field(default=(0, 1, 2, 3, 4), metadata={"help": "worlds to render (one start view each)"})


@dataclass
class GenerateBenchConfig:
    """What ``infinite-nature bench generate`` measures."""

    size: int = field(default=256, metadata={"help": "square frame size"})
    frames: int = field(default=1000, metadata={"help": "frames of the long flight (fps and memory)"})
    starts: int = field(default=0, metadata={"help": "procedural starts for the stability check (0 = skip)"})
    start_frames: int = field(default=100, metadata={"help": "frames per stability flight"})
    weights: str = field(default="default", metadata={"help": "weight set name or folder"})
    example_seed: int = field(default=7, metadata={"help": "world of the long flight"})


@dataclass
class DemoBenchConfig:
    """What ``infinite-nature bench demo`` measures."""

    size: int = field(default=256, metadata={"help": "longer side of the frames"})
    seconds: float = field(default=30.0, metadata={"help": "how long to fly while measuring"})
    presses: int = field(default=30, metadata={"help": "steering key presses at random moments"})
    weights: str = field(default="default", metadata={"help": "weight set name or folder"})
    world: int = field(default=7, metadata={"help": "procedural world to fly"})
    max_fps: float = field(default=15.0, metadata={"help": "the server's frame rate cap (its default)"})
    threads: int = field(default=0, metadata={"help": "torch threads on the CPU, as the demo's --threads (0: all cores but one)"})
    client: str = field(default="websocket", metadata={"help": "websocket (a Python client) or browser (headless chromium)",
                                                       "choices": ["websocket", "browser"]})
    seed: int = field(default=0, metadata={"help": "seed of the random key-press moments"})
