"""Our CUDA splatting kernel behind a lazy loader.

Nothing is compiled at import. The first call on a CUDA tensor builds
``csrc/splat_kernel.cu`` (torch-free, seconds) and ``csrc/splat_binding.cpp`` (the torch
binding, about a minute once; cached by torch afterwards) with
``torch.utils.cpp_extension.load``.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
from pathlib import Path
from types import ModuleType

import torch

CSRC = Path(__file__).parent / "csrc"
EXTENSION_NAME = "infinite_nature_splat_v1"


class CudaBackendUnavailable(RuntimeError):
    """The CUDA kernel cannot be built or run here; the message says why."""


def _has_cudart(root: Path) -> bool:
    patterns = ("lib64/libcudart.so*", "lib/libcudart.so*", "targets/*/lib/libcudart.so*")
    return any(glob.glob(str(root / p)) for p in patterns)


def find_cuda_home() -> Path | None:
    """The CUDA toolkit folder that really holds nvcc and libcudart (None when absent).

    torch's own guess (the parent of whichever ``nvcc`` is on PATH) fails when ``nvcc`` is a
    wrapper script or a symlink outside the toolkit, and then linking stops with
    "cannot find -lcudart".
    """
    candidates = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH")]
    nvcc = shutil.which("nvcc")
    if nvcc:
        real = Path(nvcc).resolve()
        candidates.append(str(real.parent.parent))
        text = real.read_bytes()[:4096] if real.stat().st_size < 4096 else b""
        for token in text.decode(errors="ignore").split():
            if token.endswith("/bin/nvcc"):
                candidates.append(str(Path(token).parent.parent))
    candidates += ["/usr/local/cuda", *sorted(glob.glob("/usr/local/cuda-*"), reverse=True)]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "nvcc").exists() and _has_cudart(Path(candidate)):
            return Path(candidate)
    return None


@functools.lru_cache(maxsize=1)
def load_extension() -> ModuleType:
    """Build (once) and import the CUDA extension; raises CudaBackendUnavailable with the reason."""
    if torch.version.cuda is None:
        raise CudaBackendUnavailable("this torch build has no CUDA support")
    cuda_home = find_cuda_home()
    if cuda_home is None:
        raise CudaBackendUnavailable("no CUDA toolkit (nvcc + libcudart) found; set CUDA_HOME")
    os.environ["CUDA_HOME"] = str(cuda_home)
    if not os.environ.get("TORCH_CUDA_ARCH_LIST") and not torch.cuda.is_available():
        os.environ["TORCH_CUDA_ARCH_LIST"] = "9.0"
    from torch.utils import cpp_extension

    cpp_extension.CUDA_HOME = str(cuda_home)
    try:
        return cpp_extension.load(
            name=EXTENSION_NAME,
            sources=[str(CSRC / "splat_binding.cpp"), str(CSRC / "splat_kernel.cu")],
            extra_include_paths=[str(CSRC)],
            extra_cflags=["-O3"],
            extra_cuda_cflags=["-O3"],
            verbose=False,
        )
    except Exception as error:  # the build log is in the message
        raise CudaBackendUnavailable(f"building the CUDA splatting kernel failed: {error}") from error


def _optional(t: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    return like.new_empty(0) if t is None else t.detach().contiguous()


class _BilinearSplat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, uv, values, key, key_max, tolerance, height, width):  # type: ignore[override]
        extension = load_extension()
        uv, values = uv.contiguous(), values.contiguous()
        key, key_max = _optional(key, values), _optional(key_max, values)
        stream = torch.cuda.current_stream(values.device).cuda_stream
        out = extension.forward(uv, values, key, key_max, float(tolerance), int(height), int(width), stream)
        ctx.save_for_backward(uv, values, key, key_max)
        ctx.tolerance = float(tolerance)
        return out

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        uv, values, key, key_max = ctx.saved_tensors
        stream = torch.cuda.current_stream(values.device).cuda_stream
        grad_uv, grad_values = load_extension().backward(
            grad_out.contiguous(), uv, values, key, key_max, ctx.tolerance, stream
        )
        return grad_uv, grad_values, None, None, None, None, None


def bilinear_splat(
    uv: torch.Tensor,  # [B, N, 2]
    values: torch.Tensor,  # [B, C, N]
    height: int,
    width: int,
    key: torch.Tensor | None = None,  # [B, N]
    key_max: torch.Tensor | None = None,  # [B, H*W]
    tolerance: float = 0.0,
) -> torch.Tensor:  # [B, C, H, W]
    """Same contract as ``_torch_impl.bilinear_splat``, on CUDA tensors."""
    if not values.is_cuda:
        raise CudaBackendUnavailable("the CUDA backend needs CUDA tensors")
    if values.dtype not in (torch.float32, torch.float64):
        raise CudaBackendUnavailable(f"the CUDA backend supports float32/float64, not {values.dtype}")
    if key is None or key_max is None:
        key = key_max = None
    return _BilinearSplat.apply(uv, values, key, key_max, tolerance, height, width)
