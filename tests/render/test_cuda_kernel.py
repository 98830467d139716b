"""Our CUDA kernel: it compiles here (nvcc), and matches the torch reference on a GPU."""

import shutil
import subprocess
import sys

import pytest
import torch

from infinite_nature.render import _cuda_impl, _torch_impl, splat
from infinite_nature.geometry import intrinsics_from_fov
from tests.render.scenes import plane_disparity, smooth_texture

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")
def test_kernel_compiles_with_nvcc(tmp_path):
    """The torch-free kernel file compiles on its own in seconds (syntax and ABI check)."""
    source = _cuda_impl.CSRC / "splat_kernel.cu"
    result = subprocess.run(
        ["nvcc", "-c", str(source), "-o", str(tmp_path / "splat_kernel.o"), "-arch=sm_80", "-I", str(_cuda_impl.CSRC)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "splat_kernel.o").stat().st_size > 0


def test_importing_the_package_builds_nothing():
    """Import (and the CLI's import) never touches the extension builder."""
    code = "import sys, infinite_nature.render, infinite_nature.cli; print('torch.utils.cpp_extension' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(_cuda_impl.find_cuda_home() is None or torch.version.cuda is None, reason="no CUDA toolkit")
def test_extension_builds_and_imports_without_a_gpu(tmp_path, monkeypatch):
    """The JIT build (kernel + torch binding) links and imports even on a GPU-less machine."""
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    _cuda_impl.load_extension.cache_clear()
    try:
        module = _cuda_impl.load_extension()
    finally:
        _cuda_impl.load_extension.cache_clear()
    assert hasattr(module, "forward") and hasattr(module, "backward")


def test_cuda_backend_refuses_cpu_tensors():
    with pytest.raises(_cuda_impl.CudaBackendUnavailable, match="CUDA tensors"):
        _cuda_impl.bilinear_splat(torch.zeros(1, 1, 2), torch.zeros(1, 1, 1), 2, 2)


def _random_points(dtype, count=5000, height=37, width=53):
    uv = torch.rand(2, count, 2, dtype=dtype) * torch.tensor([width + 1.0, height + 1.0], dtype=dtype) - 1.0
    values = torch.rand(2, 4, count, dtype=dtype)
    key = torch.rand(2, count, dtype=dtype)
    return uv, values, key, height, width


@needs_cuda
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("depth_test", [False, True])
def test_cuda_matches_reference_forward_and_backward(dtype, depth_test):
    uv, values, key, height, width = _random_points(dtype)
    key_max = _torch_impl.max_key_per_pixel(uv, key, height, width) if depth_test else None
    used_key = key if depth_test else None
    grad = torch.rand(2, 4, height, width, dtype=dtype)
    outputs = {}
    for name, impl, device in (("torch", _torch_impl, "cpu"), ("cuda", _cuda_impl, "cuda")):
        uv_d = uv.detach().to(device).requires_grad_(True)  # a fresh leaf per backend: .grad is kept
        values_d = values.detach().to(device).requires_grad_(True)
        out = impl.bilinear_splat(
            uv_d, values_d, height, width,
            None if used_key is None else used_key.to(device),
            None if key_max is None else key_max.to(device),
            0.05,
        )
        out.backward(grad.to(device))
        outputs[name] = (out.detach().cpu(), uv_d.grad.cpu(), values_d.grad.cpu())
    tol = dict(atol=1e-4, rtol=1e-4) if dtype == torch.float32 else dict(atol=1e-10, rtol=1e-10)
    for reference, candidate in zip(outputs["torch"], outputs["cuda"]):
        torch.testing.assert_close(candidate, reference, **tol)


@needs_cuda
def test_cuda_gradcheck():
    uv, values, key, height, width = _random_points(torch.float64, count=40, height=7, width=9)
    uv = uv.cuda().requires_grad_(True)
    values = values.cuda().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: _cuda_impl.bilinear_splat(a, b, height, width), (uv, values))


@needs_cuda
@pytest.mark.parametrize("mode", ["softmax", "zbuffer"])
def test_full_splat_cuda_matches_torch(mode):
    k = intrinsics_from_fov(60.0, 48, 64)
    features = smooth_texture(48, 64, torch.float32)
    disparity = plane_disparity(k.double(), torch.tensor([0.0, 0.25, 0.15], dtype=torch.float64), 48, 64).float()
    transform = torch.eye(4)[None].clone()
    transform[0, :3, 3] = torch.tensor([0.1, -0.02, 0.2])
    reference = splat(features, disparity, k, transform, mode=mode, backend="torch")
    cuda = splat(features.cuda(), disparity.cuda(), k.cuda(), transform.cuda(), mode=mode, backend="auto")
    assert cuda.backend == "cuda"
    for name in ("features", "disparity", "alpha", "coverage"):
        torch.testing.assert_close(getattr(cuda, name).cpu(), getattr(reference, name), atol=1e-4, rtol=1e-4)
    assert (cuda.valid.cpu() != reference.valid).float().mean() < 1e-3
