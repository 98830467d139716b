"""The demo server's settings: one dataclass, whose field docs are the CLI's ``--help``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from infinite_nature.errors import UsageError

DEFAULT_WORLD = 7  # the procedural world new flights start from when no photo is given


@dataclass
class DemoConfig:
    host: str = field(default="127.0.0.1", metadata={"help": "address to bind; anything but loopback is reachable by others"})
    port: int = field(default=8000, metadata={"help": "TCP port (0 picks a free one)"})
    size: int = field(default=256, metadata={"help": "longer side of the flight's frames in pixels (multiple of 16)"})
    device: str = field(default="auto", metadata={"help": "auto, cpu or cuda"})
    threads: int = field(default=0, metadata={"help": "torch threads for flights on the CPU (0: all cores but one, which "
                                                       "the server and a browser on this machine need)"})
    weights: str = field(default="default", metadata={"help": "shipped weights name or a folder of checkpoints"})
    max_flights: int = field(default=2, metadata={"help": "flights (browser tabs) at once; more are told it is busy"})
    idle_minutes: float = field(default=10.0, metadata={"help": "a flight with no input from its page for this long is freed"})
    max_upload_mb: float = field(default=20.0, metadata={"help": "largest photo upload in megabytes"})
    max_upload_megapixels: float = field(default=40.0, metadata={"help": "largest photo upload in megapixels"})
    max_fps: float = field(default=15.0, metadata={"help": "frame rate cap per flight"})
    max_record_frames: int = field(default=9000, metadata={"help": "a recording stops by itself after this many frames"})
    jpeg_quality: int = field(default=85, metadata={"help": "JPEG quality of the streamed frames (1-100)"})

    def validate(self) -> None:
        """Raise UsageError naming the first bad setting."""
        if not 0 <= self.port <= 65535:
            raise UsageError(f"--port must be in [0, 65535], got {self.port}")
        if not 64 <= self.size <= 1024 or self.size % 16:
            raise UsageError(f"--size must be a multiple of 16 in [64, 1024], got {self.size}")
        if self.threads < 0:
            raise UsageError(f"--threads must be >= 0 (0: all cores but one), got {self.threads}")
        for name in ("max_flights", "max_record_frames"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        for name in ("idle_minutes", "max_upload_mb", "max_upload_megapixels", "max_fps"):
            if not getattr(self, name) > 0:
                raise UsageError(f"--{name.replace('_', '-')} must be > 0, got {getattr(self, name)}")
        if not 1 <= self.jpeg_quality <= 100:
            raise UsageError(f"--jpeg-quality must be in [1, 100], got {self.jpeg_quality}")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_upload_pixels(self) -> int:
        return int(self.max_upload_megapixels * 1e6)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
