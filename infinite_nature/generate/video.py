"""Streaming frame writers: mp4 (h264), webm (vp9), gif, or a folder of PNGs.

Frames go straight to the encoder, so memory stays flat however long the flight. The file
is written under a temporary name beside the target and renamed only when complete; an
interrupted run leaves nothing under the final name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import numpy as np

from infinite_nature.atomic import make_output_folder
from infinite_nature.data.writer import write_image
from infinite_nature.errors import InfiniteNatureError

CODECS = {".mp4": ("libx264", "yuv420p"), ".webm": ("libvpx-vp9", "yuv420p"), ".gif": ("gif", "rgb8")}


def output_kind(path: Path) -> str:
    """'mp4', 'webm', 'gif' or 'png' (a folder of frames: no suffix)."""
    suffix = path.suffix.lower()
    if suffix in CODECS:
        return suffix[1:]
    if suffix == "":
        return "png"
    raise InfiniteNatureError(f"{path}: unsupported output {suffix}; use .mp4, .webm, .gif or a folder name for PNG frames")


class FrameSink:
    """``with FrameSink(path, fps) as sink: sink.write(uint8 [H, W, 3])`` ..."""

    def __init__(self, path: str | Path, fps: float, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.kind = output_kind(self.path)
        if self.path.exists() and not overwrite:
            raise InfiniteNatureError(f"{self.path} exists; pass --overwrite to replace it")
        self.fps = fps
        self.temporary = self.path.with_name(f".{self.path.name}.partial{self.path.suffix}")
        self.count = 0
        self._writer = None

    @staticmethod
    def null() -> "contextlib.nullcontext[None]":
        """A do-nothing stand-in for an output the user did not ask for."""
        return contextlib.nullcontext()

    def __enter__(self) -> FrameSink:
        make_output_folder(self.path.parent)
        if self.kind == "png":
            shutil.rmtree(self.temporary, ignore_errors=True)
            make_output_folder(self.temporary)
        return self

    def write(self, frame: np.ndarray) -> None:
        try:
            self._write(frame)
        except OSError as error:  # disk full, folder removed, the encoder gone
            raise InfiniteNatureError(f"writing {self.path} failed ({error.strerror or error})") from None
        self.count += 1

    def _write(self, frame: np.ndarray) -> None:
        if self.kind == "png":
            write_image(self.temporary / f"{self.count:05d}.png", frame)
        else:
            if self._writer is None:
                codec, pixel_format = CODECS["." + self.kind]
                import imageio_ffmpeg  # only when a video is written

                self._writer = imageio_ffmpeg.write_frames(
                    str(self.temporary), (frame.shape[1], frame.shape[0]), fps=self.fps, codec=codec,
                    pix_fmt_out=pixel_format, macro_block_size=1, quality=None if self.kind == "gif" else 8,
                    output_params=["-loop", "0"] if self.kind == "gif" else None,
                )
                self._writer.send(None)
            self._writer.send(np.ascontiguousarray(frame))

    def __exit__(self, kind, error, traceback) -> None:
        encoded = True
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, RuntimeError):  # the encoder failed; the partial file is removed below
                encoded = False
        if error is None and encoded and self.count > 0:
            if self.kind == "png" and self.path.exists():
                shutil.rmtree(self.path)
            os.replace(self.temporary, self.path)
        elif self.temporary.is_dir():
            shutil.rmtree(self.temporary, ignore_errors=True)
        elif self.temporary.exists():
            self.temporary.unlink()
        if error is None and not encoded:
            raise InfiniteNatureError(f"writing {self.path} failed (the video encoder stopped)")
