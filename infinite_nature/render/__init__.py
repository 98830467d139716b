"""Differentiable forward point splatting (torch reference, our CUDA kernel, pytorch3d adapter)."""

from infinite_nature.render.alpha import edge_alpha
from infinite_nature.render.splatting import BACKENDS, MODES, SplatResult, resolve_backend, splat

__all__ = ["BACKENDS", "MODES", "SplatResult", "edge_alpha", "resolve_backend", "splat"]
