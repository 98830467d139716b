"""The refiner on a frame's holes at its training size: what it is shown, and what comes back."""

import pytest
import torch

from infinite_nature.generate.flight import Flight
from infinite_nature.generate.hole_refiner import refine_holes
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.models.layers import shrunk_to_short_side
from infinite_nature.models.refiner import RefinerConfig, RefinerNet
from infinite_nature.world import World

from tests.generate.controllers import Yaw


def _refiner() -> RefinerNet:
    return RefinerNet(RefinerConfig(channels=(8, 8, 8, 8), style_dim=8, latent_dim=4, w_dim=8, head_channels=4)).eval()


def _inputs(height: int, width: int):
    rgb = torch.rand(1, 3, height, width)
    disparity = torch.rand(1, 1, height, width) * 0.5 + 0.1
    valid = torch.ones(1, 1, height, width, dtype=torch.bool)
    valid[..., height // 3 : height // 2, width // 4 : width // 2] = False  # a disocclusion
    valid[..., 5, 7] = False  # and a one-pixel hole
    return rgb * valid, disparity * valid, valid


def _seen_by(refiner: RefinerNet) -> list[tuple[torch.Tensor, ...]]:
    """Records the inputs of every call of the real network."""
    seen = []
    refiner.register_forward_pre_hook(lambda module, args: seen.append(args[:3]))
    return seen


@pytest.mark.parametrize(("size", "expected"), [
    ((256, 256), (128, 128)),
    ((180, 256), (128, 182)),  # a landscape photo: the short side at the training size
    ((512, 384), (171, 128)),
    ((128, 128), (128, 128)),
    ((64, 96), (64, 96)),  # smaller frames are never enlarged
])
def test_frames_are_refined_with_their_short_side_at_the_training_size(size, expected):
    assert shrunk_to_short_side(*size, RefinerConfig().input_size) == expected


def test_a_frame_at_the_training_size_is_refined_as_it_is():
    refiner, (rgb, disparity, valid) = _refiner(), _inputs(RefinerConfig().input_size, 96)
    style, latent = torch.randn(1, 8), torch.randn(1, 4)
    with torch.no_grad():
        direct = refiner(rgb, disparity, valid.float(), style, latent)
        through = refine_holes(refiner, rgb, disparity, valid, style, latent)
    assert torch.equal(direct.rgb, through.rgb) and torch.equal(direct.disparity, through.disparity)


def test_a_larger_frame_is_shown_shrunk_with_every_partly_open_pixel_a_hole():
    refiner, (rgb, disparity, valid) = _refiner(), _inputs(256, 256)
    seen = _seen_by(refiner)
    with torch.no_grad():
        out = refine_holes(refiner, rgb, disparity, valid, torch.randn(1, 8), torch.randn(1, 4))
    assert out.rgb.shape == (1, 3, 256, 256) and out.disparity.shape == (1, 1, 256, 256)
    small_rgb, small_disparity, small_mask = seen[0]
    assert small_rgb.shape == (1, 3, 128, 128)
    cells = valid.float().unfold(2, 2, 2).unfold(3, 2, 2).amin(dim=(-1, -2))  # [1, 1, 128, 128]: all four rendered
    assert torch.equal(small_mask, cells)
    assert small_mask[0, 0, 2, 3] == 0  # the one-pixel hole closes its whole cell
    means = rgb.unfold(2, 2, 2).unfold(3, 2, 2).mean(dim=(-1, -2))
    assert torch.allclose(small_rgb, means * cells, atol=1e-6)  # rendered cells: the mean; holes: black
    disparity_means = disparity.unfold(2, 2, 2).unfold(3, 2, 2).mean(dim=(-1, -2))
    assert torch.allclose(small_disparity, disparity_means * cells, atol=1e-6)


def test_a_flight_refines_at_the_training_size_only_where_it_keeps_the_rendered_pixels(tiny_weights):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    world = World(3)
    view = world.render(world.sample_camera(256, 256))
    seen = _seen_by(networks.refiner)
    for keep_visible, expected in ((True, (128, 128)), (False, (256, 256))):
        seen.clear()
        flight = Flight(view.rgb, view.disparity, view.sky, world.params.fov_degrees, networks.refiner, networks.sky,
                        Yaw(15.0), keep_visible=keep_visible)
        frame = flight.advance()
        assert frame.rgb.shape[-2:] == (256, 256) and bool(torch.isfinite(frame.rgb).all())
        assert seen and {tuple(args[0].shape[-2:]) for args in seen} == {expected}


def test_a_refiner_config_with_an_unreadable_input_size_is_refused():
    with pytest.raises(ValueError, match="input_size must be >= 32, got 16"):
        RefinerNet(RefinerConfig(input_size=16))
