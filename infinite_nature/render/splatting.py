"""Forward splatting of a source view into a target camera: the renderer's one entry point.

Each source pixel becomes a 3D point (depth = 1 / disparity), is moved into the target
camera and lands bilinearly on the 4 pixels around its projection. Two ways to resolve
points that land on the same pixel:

* ``"softmax"`` (soft z-buffer, InfiniteNature-Zero): weights ``exp(logit)`` where the
  logit is the target disparity min-max scaled to ``[-softmax_range, softmax_range]`` per
  image, so near surfaces dominate but the result stays smooth and differentiable;
* ``"zbuffer"`` (hard): a point counts at a pixel only if its disparity is within
  ``zbuffer_tolerance`` (relative) of the largest disparity reaching that pixel.

Masking rules (documented, never silent garbage): points at or behind the target camera
(``z <= NEAR_DEPTH``) are dropped; points that project outside the target are dropped; a
target pixel that nothing reaches is a hole: zero features, zero disparity, ``valid`` False.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Literal

import torch

from infinite_nature.geometry.projection import pixel_grid
from infinite_nature.render import _cuda_impl, _pytorch3d_impl, _torch_impl
from infinite_nature.render.alpha import DEFAULT_EDGE_BETA, edge_alpha

logger = logging.getLogger(__name__)

Backend = Literal["auto", "torch", "cuda", "pytorch3d"]
Mode = Literal["softmax", "zbuffer"]
BACKENDS = ("auto", "torch", "cuda", "pytorch3d")
MODES = ("softmax", "zbuffer")
NEAR_DEPTH = 1e-3


@dataclass
class SplatResult:
    """What one splat produced in the target camera."""

    features: torch.Tensor  # [B, C, H, W] splatted features, 0 in holes
    disparity: torch.Tensor  # [B, 1, H, W] splatted target disparity, 0 in holes
    alpha: torch.Tensor  # [B, 1, H, W] splatted edge alpha, 0 in holes
    coverage: torch.Tensor  # [B, 1, H, W] sum of bilinear weights that landed (1 = fully covered)
    valid: torch.Tensor  # [B, 1, H, W] bool: alpha and coverage above their thresholds
    backend: str  # the backend that actually ran


_announced: set[tuple[str, str]] = set()


def _announce(backend: str, reason: str) -> None:
    if (backend, reason) not in _announced:
        _announced.add((backend, reason))
        logger.info("splat backend: %s (%s)", backend, reason)


def resolve_backend(backend: str, device: torch.device, dtype: torch.dtype) -> str:
    """The backend that will run for a request; ``auto`` logs once which it took and why."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "pytorch3d" and not _pytorch3d_impl.is_available():
        raise ValueError("backend 'pytorch3d' requested but pytorch3d is not installed (see README)")
    if backend == "cuda" and device.type != "cuda":
        raise ValueError("backend 'cuda' needs CUDA tensors")
    if backend != "auto":
        return backend
    if device.type != "cuda":
        _announce("torch", f"tensors are on {device.type}")
        return "torch"
    if dtype not in (torch.float32, torch.float64):
        _announce("torch", f"the CUDA kernel does not take {dtype}")
        return "torch"
    try:
        _cuda_impl.load_extension()
    except _cuda_impl.CudaBackendUnavailable as error:
        _announce("torch", f"CUDA kernel unavailable: {error}")
        return "torch"
    _announce("cuda", "CUDA tensors and the kernel built")
    return "cuda"


_ACCUMULATORS = {
    "torch": _torch_impl.bilinear_splat,
    "cuda": _cuda_impl.bilinear_splat,
    "pytorch3d": _pytorch3d_impl.bilinear_splat,
}


def _check_inputs(
    features: torch.Tensor,
    disparity: torch.Tensor,
    intrinsics: torch.Tensor,
    transform: torch.Tensor,
    target_intrinsics: torch.Tensor,
    target_size: tuple[int, int],
    mode: str,
) -> None:
    if features.ndim != 4:
        raise ValueError(f"features must be [B, C, H, W], got shape {tuple(features.shape)}")
    batch, _, height, width = features.shape
    expected = {
        "disparity": (disparity, (batch, 1, height, width)),
        "intrinsics": (intrinsics, (batch, 3, 3)),
        "target_intrinsics": (target_intrinsics, (batch, 3, 3)),
        "transform": (transform, (batch, 4, 4)),
    }
    for name, (tensor, shape) in expected.items():
        if tuple(tensor.shape) != shape:
            raise ValueError(f"{name} must have shape {list(shape)}, got {list(tensor.shape)}")
        if tensor.device != features.device:
            raise ValueError(f"{name} is on {tensor.device} but features are on {features.device}")
        if tensor.dtype != features.dtype:
            raise ValueError(f"{name} has dtype {tensor.dtype} but features have {features.dtype}")
    if not features.is_floating_point():
        raise ValueError(f"features must be a floating-point tensor, got {features.dtype}")
    if height == 0 or width == 0 or batch == 0:
        raise ValueError(f"features are empty: shape {tuple(features.shape)}")
    if len(target_size) != 2 or min(target_size) <= 0:
        raise ValueError(f"target_size must be two positive integers, got {target_size}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not bool(torch.isfinite(disparity).all()):
        raise ValueError("disparity contains NaN or inf")
    if not bool((disparity > 0).all()):
        raise ValueError("disparity must be > 0 everywhere (depth = 1 / disparity); got zero or negative values")
    for name, tensor in (("intrinsics", intrinsics), ("target_intrinsics", target_intrinsics), ("transform", transform)):
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{name} contains NaN or inf")


@functools.lru_cache(maxsize=8)
def _homogeneous_pixels(height: int, width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``[u, v, 1]`` of every pixel, ``[H*W, 3]`` (cached: the same grid serves every frame)."""
    pixels = pixel_grid(height, width, dtype, device).reshape(-1, 2)
    return torch.cat([pixels, torch.ones_like(pixels[:, :1])], dim=1)


def pixel_mapping(
    intrinsics: torch.Tensor,  # [B, 3, 3]
    transform: torch.Tensor,  # [B, 4, 4] source camera -> target camera
    target_intrinsics: torch.Tensor,  # [B, 3, 3]
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, 3, 3], [B, 1, 3])
    """``(K_t R K^-1, K_t t)``: a source pixel ``[u, v, 1]`` at depth ``z`` lands at
    ``z * mapping @ [u, v, 1] + offset`` (homogeneous target pixel times target depth)."""
    mapping = target_intrinsics @ transform[:, :3, :3] @ torch.linalg.inv(intrinsics)
    return mapping, (target_intrinsics @ transform[:, :3, 3:]).transpose(1, 2)


def project_pixels(
    disparity: torch.Tensor,  # [B, 1, H, W]
    intrinsics: torch.Tensor,  # [B, 3, 3]
    transform: torch.Tensor,  # [B, 4, 4]
    target_intrinsics: torch.Tensor,  # [B, 3, 3]
) -> tuple[torch.Tensor, torch.Tensor]:  # ([B, N, 2] target pixel, [B, N] target depth)
    """Where every source pixel, at its disparity, lands in the target camera.

    unproject -> transform_points -> project, fused into one 3x3 map per image.

    ``K_t (R z K^-1 [u, v, 1] + t) = z (K_t R K^-1) [u, v, 1] + K_t t``; the tests check it
    against ``geometry.unproject``/``project``, which are built on kornia.
    """
    batch, _, height, width = disparity.shape
    homogeneous = _homogeneous_pixels(height, width, disparity.dtype, disparity.device)  # [N, 3]
    mapping, offset = pixel_mapping(intrinsics, transform, target_intrinsics)
    depth = 1.0 / disparity.reshape(batch, -1, 1)  # [B, N, 1]
    projected = depth * (homogeneous @ mapping.transpose(1, 2)) + offset  # [B, N, 3]
    z = projected[..., 2]
    safe = torch.where(z.abs() < NEAR_DEPTH, torch.full_like(z, NEAR_DEPTH), z)
    return projected[..., :2] / safe[..., None], z


def splat(
    features: torch.Tensor,  # [B, C, H, W] e.g. RGB in [0, 1] plus any feature channels
    disparity: torch.Tensor,  # [B, 1, H, W] > 0, depth = 1 / disparity
    intrinsics: torch.Tensor,  # [B, 3, 3] source camera
    transform: torch.Tensor,  # [B, 4, 4] source-camera -> target-camera (geometry.relative_pose)
    *,
    target_intrinsics: torch.Tensor | None = None,  # [B, 3, 3], default the source's
    target_size: tuple[int, int] | None = None,  # (H, W), default the source's
    mode: Mode = "softmax",
    alpha: torch.Tensor | None = None,  # [B, 1, H, W], default edge_alpha(disparity); no gradient
    edge_beta: float = DEFAULT_EDGE_BETA,
    alpha_threshold: float = 0.3,
    coverage_threshold: float = 0.5,
    softmax_range: float = 10.0,
    zbuffer_tolerance: float = 0.02,
    backend: Backend = "auto",
) -> SplatResult:
    """Render a source view (features + disparity) into a target camera by forward splatting.

    Half-precision inputs are splatted in float32 (softmax weights span e^-20..1) and the
    results cast back.
    """
    if features.dtype in (torch.float16, torch.bfloat16):
        half = features.dtype
        result = splat(
            features.float(),
            disparity.float(),
            intrinsics.float(),
            transform.float(),
            target_intrinsics=None if target_intrinsics is None else target_intrinsics.float(),
            target_size=target_size,
            mode=mode,
            alpha=None if alpha is None else alpha.float(),
            edge_beta=edge_beta,
            alpha_threshold=alpha_threshold,
            coverage_threshold=coverage_threshold,
            softmax_range=softmax_range,
            zbuffer_tolerance=zbuffer_tolerance,
            backend=backend,
        )
        for name in ("features", "disparity", "alpha", "coverage"):
            setattr(result, name, getattr(result, name).to(half))
        return result
    target_intrinsics = intrinsics if target_intrinsics is None else target_intrinsics
    target_size = tuple(features.shape[-2:]) if target_size is None else tuple(int(s) for s in target_size)
    _check_inputs(features, disparity, intrinsics, transform, target_intrinsics, target_size, mode)
    chosen = resolve_backend(backend, features.device, features.dtype)
    batch, channels = features.shape[:2]
    height, width = target_size

    uv, z = project_pixels(disparity, intrinsics, transform, target_intrinsics)  # [B, N, 2], [B, N]
    keep = (z > NEAR_DEPTH) & torch.isfinite(uv).all(dim=-1)
    keep &= (uv[..., 0] > -1) & (uv[..., 0] < width) & (uv[..., 1] > -1) & (uv[..., 1] < height)
    uv = torch.where(keep[..., None], uv, torch.full_like(uv, -2.0))
    target_disparity = torch.where(keep, 1.0 / z.clamp_min(NEAR_DEPTH), torch.zeros_like(z))  # [B, N]

    source_alpha = (edge_alpha(disparity, edge_beta) if alpha is None else alpha).detach()
    flat_features = features.flatten(2)  # [B, C, N]
    flat_alpha = source_alpha.flatten(2)  # [B, 1, N]

    key = key_max = None
    if mode == "softmax":
        big = torch.finfo(target_disparity.dtype).max
        low = torch.where(keep, target_disparity, torch.full_like(z, big)).amin(dim=1, keepdim=True)
        high = torch.where(keep, target_disparity, torch.full_like(z, -big)).amax(dim=1, keepdim=True)
        low = torch.where(keep.any(dim=1, keepdim=True), low, torch.zeros_like(low))
        span = (high - low).clamp_min(1e-6)
        logits = ((target_disparity - low) / span * 2.0 - 1.0) * softmax_range
        weight = torch.exp(logits - softmax_range)  # (0, 1], largest for the nearest point
    else:
        weight = torch.ones_like(target_disparity)
        key = target_disparity
        key_max = _torch_impl.max_key_per_pixel(uv, key, height, width)
    weight = torch.where(keep, weight, torch.zeros_like(weight))[:, None]  # [B, 1, N]
    accumulate = _ACCUMULATORS[chosen]
    # what gradients flow through (features, disparity, the weight total) apart from what only
    # decides validity (edge alpha, coverage), so the backward pass handles fewer channels
    tracked = torch.cat([weight * flat_features, weight * target_disparity[:, None], weight], dim=1)  # [B, C + 2, N]
    untracked = torch.cat([weight * flat_alpha, keep[:, None].to(weight.dtype)], dim=1).detach()  # [B, 2, N]
    accumulated = accumulate(uv, tracked, height, width, key, key_max, zbuffer_tolerance)
    validity = accumulate(uv.detach(), untracked, height, width, key, key_max, zbuffer_tolerance)

    total = accumulated[:, channels + 1 : channels + 2]
    filled = total > 0
    inverse_total = torch.where(filled, 1.0 / torch.where(filled, total, torch.ones_like(total)), torch.zeros_like(total))
    normalised = accumulated[:, : channels + 1] * inverse_total  # features, disparity; 0 in holes
    splatted_alpha = validity[:, :1] * inverse_total.detach()
    coverage = validity[:, 1:2]
    return SplatResult(
        features=normalised[:, :channels],
        disparity=normalised[:, channels:],
        alpha=splatted_alpha,
        coverage=coverage,
        valid=filled & (splatted_alpha > alpha_threshold) & (coverage > coverage_threshold),
        backend=chosen,
    )
