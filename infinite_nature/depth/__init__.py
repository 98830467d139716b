"""Depth backends (``--depth``): every one returns normalised disparity and a sky mask
(``depth.base.DepthEstimate``). Importing this package loads no torch; a backend does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infinite_nature.errors import UsageError

if TYPE_CHECKING:
    import torch

    from infinite_nature.depth.base import DepthBackend

BACKEND_NAMES = (
    "builtin",
    "midas-small",
    "dpt-hybrid",
    "dpt-large",
    "depth-anything-v2-small",
    "depth-anything-v2-base",
    "file:PATH",
)


def check_backend_spec(spec: str) -> str:
    """``spec`` if it names a backend (a name of BACKEND_NAMES or ``file:`` and a path), else a
    UsageError: checked before any work, so a typo does not fail every photo of a batch."""
    if spec in BACKEND_NAMES[:-1] or (spec.startswith("file:") and len(spec) > 5):
        return spec
    raise UsageError(f"unknown depth backend {spec!r}; choose one of {', '.join(BACKEND_NAMES)}")


def make_depth_backend(
    spec: str,
    weights: str | None = None,
    device: torch.device | None = None,  # default: the CPU
    map_kind: str = "disparity",
    sky_weights: str | None = None,
) -> DepthBackend:
    """The backend named by ``spec`` (see BACKEND_NAMES); ``weights`` is a local copy of its model."""
    import torch

    from infinite_nature.depth import hub
    from infinite_nature.depth.builtin import BuiltinDepth
    from infinite_nature.depth.from_file import FileDepth

    device = torch.device("cpu") if device is None else device
    check_backend_spec(spec)
    if spec == "builtin":
        return BuiltinDepth(weights, device)
    if spec in hub.MIDAS_MODELS:
        return hub.MidasDepth(spec, weights, device, sky_weights)
    if spec in hub.DEPTH_ANYTHING_MODELS:
        return hub.DepthAnythingDepth(spec, weights, device, sky_weights)
    return FileDepth(spec[5:], map_kind)


__all__ = ["BACKEND_NAMES", "check_backend_spec", "make_depth_backend"]
