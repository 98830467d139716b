"""Every depth backend through an offline fixture: same output convention, clear errors."""

import textwrap

import numpy as np
import pytest
import torch
from PIL import Image

from infinite_nature.depth import make_depth_backend
from infinite_nature.depth.base import sky_from_far_plane
from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.errors import InfiniteNatureError, UsageError
from infinite_nature.models import DepthSkyNet, save_checkpoint


def _photo(height=60, width=90) -> torch.Tensor:
    """Bright sky on top, darker ground below."""
    rgb = torch.full((1, 3, height, width), 0.3)
    rgb[..., : height // 3, :] = torch.tensor([0.6, 0.75, 0.95]).view(1, 3, 1, 1)
    return rgb


def _check_convention(estimate, height=60, width=90):
    assert estimate.disparity.shape == estimate.sky.shape == (1, 1, height, width)
    assert estimate.sky.dtype == torch.bool
    assert DISPARITY_MIN <= estimate.disparity.min() and estimate.disparity.max() <= DISPARITY_MAX
    assert (estimate.disparity[estimate.sky] == DISPARITY_MIN).all()


def test_builtin_with_a_local_checkpoint(tmp_path):
    save_checkpoint(DepthSkyNet().eval(), tmp_path / "depth")
    backend = make_depth_backend("builtin", weights=str(tmp_path / "depth"))
    _check_convention(backend.estimate(_photo()))


def test_builtin_without_shipped_weights_says_how_to_get_them(monkeypatch, tmp_path):
    import infinite_nature.models.pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_ROOT", tmp_path)
    with pytest.raises(InfiniteNatureError, match="no shipped 'default' weights for the depth_sky network"):
        make_depth_backend("builtin")


HUBCONF = textwrap.dedent(
    '''
    dependencies = ["torch"]
    import torch


    class _Tiny(torch.nn.Module):
        """Stands in for MiDaS: relative inverse depth that grows towards the bottom rows."""

        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.tensor(3.0))

        def forward(self, x):
            rows = torch.linspace(0.0, 1.0, x.shape[-2]).view(1, -1, 1).expand(x.shape[0], -1, x.shape[-1])
            return self.scale * torch.relu(rows - 0.33) * 100.0


    def MiDaS_small(pretrained=True, **kwargs):
        return _Tiny()


    def DPT_Hybrid(pretrained=True, **kwargs):
        return _Tiny()
    '''
)


@pytest.mark.parametrize("name", ["midas-small", "dpt-hybrid"])
def test_midas_through_a_local_hub_repo(tmp_path, monkeypatch, name):
    import infinite_nature.models.pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_ROOT", tmp_path / "no-weights")  # sky from the far plane
    (tmp_path / "hubconf.py").write_text(HUBCONF)
    backend = make_depth_backend(name, weights=str(tmp_path))
    estimate = backend.estimate(_photo())
    _check_convention(estimate)
    assert estimate.sky[0, 0, :15].all() and not estimate.sky[0, 0, 30:].any()
    column = estimate.disparity[0, 0, :, 45]
    assert column[-1] > column[30] > column[22]  # nearer towards the bottom


def test_midas_folder_without_hubconf_is_a_clear_error(tmp_path):
    with pytest.raises(InfiniteNatureError, match="no hubconf.py"):
        make_depth_backend("midas-small", weights=str(tmp_path))


def _tiny_depth_anything(folder):
    transformers = pytest.importorskip("transformers")
    backbone = transformers.Dinov2Config(
        hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, image_size=518,
        patch_size=14, out_features=["stage1", "stage2"], reshape_hidden_states=False,
    )
    config = transformers.DepthAnythingConfig(
        backbone_config=backbone, reassemble_hidden_size=16, neck_hidden_sizes=[8, 16], reassemble_factors=[2, 1],
        fusion_hidden_size=8, head_hidden_size=4, patch_size=14,
    )
    torch.manual_seed(0)
    transformers.DepthAnythingForDepthEstimation(config).save_pretrained(folder)


def test_depth_anything_through_a_local_save_pretrained_folder(tmp_path, monkeypatch):
    import infinite_nature.models.pretrained as pretrained

    monkeypatch.setattr(pretrained, "WEIGHTS_ROOT", tmp_path / "no-weights")
    _tiny_depth_anything(tmp_path / "da")
    backend = make_depth_backend("depth-anything-v2-small", weights=str(tmp_path / "da"))
    _check_convention(backend.estimate(_photo()))


def test_depth_anything_uses_our_sky_head_when_given(tmp_path):
    _tiny_depth_anything(tmp_path / "da")
    save_checkpoint(DepthSkyNet().eval(), tmp_path / "sky")
    backend = make_depth_backend("depth-anything-v2-small", weights=str(tmp_path / "da"), sky_weights=str(tmp_path / "sky"))
    estimate = backend.estimate(_photo())
    _check_convention(estimate)
    expected = DepthSkyNet  # the sky mask is exactly our head's prediction
    assert backend.sky_head.network is not None and isinstance(backend.sky_head.network, expected)
    assert torch.equal(estimate.sky, backend.sky_head.network.predict(_photo()).sky)


def test_depth_anything_missing_folder(tmp_path):
    pytest.importorskip("transformers")
    with pytest.raises(InfiniteNatureError, match="save_pretrained"):
        make_depth_backend("depth-anything-v2-small", weights=str(tmp_path / "none"))


@pytest.mark.parametrize("kind", ["disparity", "depth"])
def test_file_maps(tmp_path, kind):
    rows = np.linspace(0.0, 1.0, 30)[:, None].repeat(45, axis=1)
    if kind == "disparity":
        values = np.where(rows < 0.3, 0.0, rows)  # 0 = sky
    else:
        values = np.where(rows < 0.3, np.inf, 1.0 / np.maximum(rows, 1e-3))
    np.save(tmp_path / "map.npy", values)
    estimate = make_depth_backend(f"file:{tmp_path / 'map.npy'}", map_kind=kind).estimate(_photo())
    _check_convention(estimate)
    assert estimate.sky[0, 0, :15].all() and not estimate.sky[0, 0, 25:].any()
    assert estimate.disparity[0, 0, -1, 0] > estimate.disparity[0, 0, 30, 0]


def test_file_map_as_16_bit_png(tmp_path):
    rows = (np.linspace(0.0, 1.0, 30)[:, None].repeat(45, axis=1) * 65535).astype(np.uint16)
    Image.fromarray(rows).save(tmp_path / "map.png")
    _check_convention(make_depth_backend(f"file:{tmp_path / 'map.png'}").estimate(_photo()))


def test_file_map_errors(tmp_path):
    with pytest.raises(InfiniteNatureError, match="does not exist"):
        make_depth_backend(f"file:{tmp_path / 'none.npy'}")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(InfiniteNatureError, match="unreadable"):
        make_depth_backend(f"file:{tmp_path / 'bad.png'}")
    np.save(tmp_path / "flat.npy", np.zeros(5))
    with pytest.raises(InfiniteNatureError, match="2-D map"):
        make_depth_backend(f"file:{tmp_path / 'flat.npy'}")
    with pytest.raises(InfiniteNatureError, match="kind"):
        make_depth_backend(f"file:{tmp_path / 'flat.npy'}", map_kind="inverse")


def test_unknown_backend_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown depth backend 'zoe'"):
        make_depth_backend("zoe")


def test_far_plane_rule():
    disparity = torch.tensor([[[[0.01, 0.012, 0.5]]]])
    assert sky_from_far_plane(disparity).tolist() == [[[[True, True, False]]]]
