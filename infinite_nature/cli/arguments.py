"""Argument types shared by subcommands (each raises argparse errors, i.e. exit code 2)."""

from __future__ import annotations

import argparse

from infinite_nature.config import finite_float
from infinite_nature.depth import check_backend_spec
from infinite_nature.errors import UsageError
from infinite_nature.generate.choices import MAX_MEANDER

MAX_SIDE = 4096
MIN_FLIGHT_SIDE = 32  # the refiner's style encoder halves a frame four times; smaller frames are no use


def image_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` (or one number for a square) -> (height, width)."""
    parts = text.lower().split("x")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 512x384 (width x height), got {text!r}") from None
    if len(numbers) == 1:
        numbers = numbers * 2
    if len(numbers) != 2 or min(numbers) < 8 or max(numbers) > MAX_SIDE:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT with sides in [8, {MAX_SIDE}], got {text!r}")
    width, height = numbers
    return height, width


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a number >= 1, got 0")
    return value


def side_length(text: str) -> int:
    """A flight frame's side in pixels, within what fits in memory."""
    value = positive_int(text)
    if not MIN_FLIGHT_SIDE <= value <= MAX_SIDE:
        raise argparse.ArgumentTypeError(f"expected a side in [{MIN_FLIGHT_SIDE}, {MAX_SIDE}] pixels, got {value}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def meander(text: str) -> float:
    """``--meander``: the auto-pilot's sideways swing of its aim, in frame widths."""
    value = finite_float(text)
    if abs(value) > MAX_MEANDER:
        raise argparse.ArgumentTypeError(
            f"expected a number within [-{MAX_MEANDER}, {MAX_MEANDER}] (the frame's edge), got {text}"
        )
    return value


def depth_backend(text: str) -> str:
    """A ``--depth`` backend name or ``file:PATH`` (the file itself is read later)."""
    try:
        return check_backend_spec(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
