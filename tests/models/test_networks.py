"""The four networks: shapes and ranges at several sizes, determinism, gradients everywhere."""

import dataclasses

import pytest
import torch

from infinite_nature.disparity import DISPARITY_MAX, DISPARITY_MIN
from infinite_nature.models.depth_sky import DISPARITY_OUTPUTS
from infinite_nature.train.configs import DepthTrainConfig
from infinite_nature.sky_mask import sky_open_to_top
from infinite_nature.models import (
    DepthSkyConfig,
    DepthSkyNet,
    DiscriminatorConfig,
    MultiScaleDiscriminator,
    RefinerConfig,
    RefinerNet,
    SkyGenerator,
    SkyGeneratorConfig,
)

SIZES = [(64, 64), (48, 80), (37, 53)]


@pytest.fixture(scope="module")
def depth_net():
    return DepthSkyNet().eval()


@pytest.fixture(scope="module")
def refiner():
    return RefinerNet(RefinerConfig(channels=(16, 24, 32, 48))).eval()


@pytest.mark.parametrize("size", SIZES)
def test_depth_sky_shapes_and_ranges(depth_net, size):
    out = depth_net.predict(torch.rand(2, 3, *size))
    assert out.disparity.shape == out.sky.shape == out.sky_probability.shape == (2, 1, *size)
    assert out.sky.dtype == torch.bool
    assert DISPARITY_MIN <= out.disparity.min() and out.disparity.max() <= DISPARITY_MAX
    assert 0.0 <= out.sky_probability.min() and out.sky_probability.max() <= 1.0
    assert (out.raw_disparity > 0).all()
    assert torch.equal(out.sky, sky_open_to_top(out.sky_probability > depth_net.config.sky_threshold))


def test_log_disparity_head_gives_the_exponential_of_the_softplus_heads_input():
    softplus = DepthSkyNet().eval()
    exp = DepthSkyNet(DepthSkyConfig(disparity_output="exp")).eval()
    exp.load_state_dict(softplus.state_dict())  # same weights, only the head's reading differs
    rgb = torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        head = torch.log(torch.expm1(softplus(rgb)[0] - 1e-4))  # softplus^-1
        disparity, logits = exp(rgb)
    torch.testing.assert_close(disparity, torch.exp(head), rtol=1e-3, atol=1e-5)
    torch.testing.assert_close(logits, softplus(rgb)[1])
    assert exp.predict(rgb).disparity.max() <= DISPARITY_MAX


def test_unknown_disparity_output_is_refused_and_the_recipe_offers_the_same_choices():
    with pytest.raises(ValueError, match="disparity_output must be one of softplus, exp"):
        DepthSkyNet(DepthSkyConfig(disparity_output="linear"))
    # the recipe keeps its own copy so that 'train --help' need not import timm
    field = {f.name: f for f in dataclasses.fields(DepthTrainConfig)}["disparity_output"]
    assert tuple(field.metadata["choices"]) == DISPARITY_OUTPUTS


def test_depth_sky_reads_larger_images_shrunk_to_its_input_size():
    net = DepthSkyNet(DepthSkyConfig(input_size=64)).eval()
    seen = []
    net.register_forward_pre_hook(lambda module, args: seen.append(tuple(args[0].shape[-2:])))
    for size, network_size in (((128, 192), (64, 96)), ((64, 80), (64, 80)), ((40, 40), (40, 40))):
        out = net.predict(torch.rand(1, 3, *size))
        assert seen[-1] == network_size  # shrunk to a short side of 64, never enlarged
        assert out.disparity.shape == out.sky.shape == out.raw_disparity.shape == (1, 1, *size)
    with pytest.raises(ValueError, match="input_size must be >= 32"):
        DepthSkyNet(DepthSkyConfig(input_size=16))


def test_the_shipped_depth_network_reads_a_256_px_view_as_well_as_its_128_px_training_size():
    """Run at 256² itself, the shipped network (trained on 128² crops) had AbsRel 0.31 and sky IoU
    0.92 on held-out worlds; shrunk to its input size, what it has at 128²."""
    from infinite_nature.models.pretrained import load_pretrained
    from infinite_nature.train.losses import absolute_relative_error, intersection_over_union
    from infinite_nature.world import World

    net = load_pretrained("default", "depth_sky").eval()
    at_input_size, at_own_size, iou = [], [], []
    for seed in range(5000, 5006):
        world = World(seed)
        view = world.render(world.sample_camera(256, 256))
        out = net.predict(view.rgb)
        with torch.no_grad():
            raw, _ = net(view.rgb)
        at_input_size.append(float(absolute_relative_error(out.raw_disparity, view.disparity, ~view.sky)))
        at_own_size.append(float(absolute_relative_error(raw, view.disparity, ~view.sky)))
        iou.append(float(intersection_over_union(out.sky, view.sky)))
    assert sum(at_input_size) < 0.8 * sum(at_own_size)
    assert sum(iou) / len(iou) > 0.95


def test_depth_sky_rejects_wrong_shapes(depth_net):
    with pytest.raises(ValueError, match=r"\[B, 3, H, W\]"):
        depth_net(torch.rand(1, 4, 32, 32))


@pytest.mark.parametrize("size", SIZES)
def test_refiner_shapes_and_ranges(refiner, size):
    rgb = torch.rand(2, 3, *size)
    style = refiner.encode_style(rgb)
    assert style.shape == (2, refiner.config.style_dim)
    out = refiner(rgb, torch.rand(2, 1, *size), (torch.rand(2, 1, *size) > 0.3).float(), style, refiner.sample_latent(2))
    assert out.rgb.shape == (2, 3, *size) and out.disparity.shape == (2, 1, *size)
    assert 0.0 <= out.rgb.min() and out.rgb.max() <= 1.0
    assert DISPARITY_MIN <= out.disparity.min() and out.disparity.max() <= DISPARITY_MAX


def test_style_of_an_image_the_encoder_reduces_to_one_cell_is_finite(refiner):
    """16 px halves to one cell: its spread is 0, not the NaN an unbiased std gives (a flight
    of 16 px frames was NaN from its first step)."""
    style = refiner.encode_style(torch.rand(1, 3, 16, 16))
    assert torch.isfinite(style).all()
    rgb = torch.rand(1, 3, 32, 32)
    features = refiner.style_encoder.features(rgb * 2 - 1)
    unbiased = torch.cat([features.mean(dim=(2, 3)), features.std(dim=(2, 3))], dim=1)
    assert torch.allclose(refiner.encode_style(rgb), refiner.style_encoder.project(unbiased))


def test_refiner_is_deterministic_and_the_latent_matters(refiner):
    rgb, disparity, mask = torch.rand(1, 3, 32, 32), torch.rand(1, 1, 32, 32), torch.ones(1, 1, 32, 32)
    style = refiner.encode_style(rgb)
    latent = refiner.sample_latent(1, torch.Generator().manual_seed(3))
    a = refiner(rgb, disparity, mask, style, latent)
    b = refiner(rgb, disparity, mask, style, refiner.sample_latent(1, torch.Generator().manual_seed(3)))
    assert torch.equal(a.rgb, b.rgb)
    c = refiner(rgb, disparity, mask, style, -latent)
    d = refiner(rgb, disparity, mask, style, latent)
    assert not torch.allclose(c.rgb, d.rgb)


def test_refiner_rejects_mismatched_inputs(refiner):
    with pytest.raises(ValueError, match="disparity and mask"):
        refiner(torch.rand(1, 3, 32, 32), torch.rand(1, 1, 16, 16), torch.ones(1, 1, 16, 16), torch.zeros(1, 128))


def test_sky_generator_shapes_and_wraparound():
    config = SkyGeneratorConfig(pano_height=32, pano_width=96, channels=(8, 16))
    generator = SkyGenerator(config).eval()
    partial = torch.rand(2, 3, 32, 96)
    known = (torch.rand(2, 1, 32, 96) > 0.8).float()
    dome = generator(partial * known, known, generator.sample_latent(2))
    assert dome.shape == (2, 3, 32, 96) and 0.0 <= dome.min() and dome.max() <= 1.0
    # rolling the input in azimuth rolls the output: no seam at north
    rolled = generator(torch.roll(partial * known, 24, dims=3), torch.roll(known, 24, dims=3), torch.zeros(2, 32))
    torch.testing.assert_close(rolled, torch.roll(generator(partial * known, known, torch.zeros(2, 32)), 24, dims=3), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="panoramas"):
        generator(torch.rand(1, 3, 16, 96), torch.ones(1, 1, 16, 96))


def test_a_sky_generator_with_a_carried_base_starts_from_the_visible_sky_carried_round():
    generator = SkyGenerator(SkyGeneratorConfig(pano_height=32, pano_width=96, channels=(8, 16), carried_base=True)).eval()
    rows = torch.linspace(0.2, 0.8, 32).view(1, 1, 32, 1)
    sky = torch.cat([rows, 0.5 * rows + 0.3, 1 - rows], dim=1).expand(2, 3, 32, 96).contiguous()  # colour by elevation
    known = torch.zeros(2, 1, 32, 96)
    known[0, :, 4:20, 10:30] = 1  # the second panorama shows no sky
    dome = generator(sky * known, known, generator.sample_latent(2))
    nearest_seen = sky[0][:, torch.arange(32).clamp(4, 19)]  # elevations it does not reach take the nearest it does
    torch.testing.assert_close(dome[0], nearest_seen, atol=1e-5, rtol=0)  # each elevation's colour, all the way round
    torch.testing.assert_close(dome[1], torch.full_like(dome[1], 0.5), atol=1e-6, rtol=0)
    loss = (dome - 1).square().mean()
    loss.backward()
    assert generator.to_rgb.weight.grad.abs().sum() > 0  # the learnt change starts at none but is trained


def test_discriminator_scales_and_features():
    disc = MultiScaleDiscriminator(DiscriminatorConfig(in_channels=4, channels=8, layers=3, scales=2))
    outputs = disc(torch.rand(2, 4, 64, 64))
    assert len(outputs) == 2
    assert outputs[0][0].shape == (2, 1, 8, 8) and outputs[1][0].shape == (2, 1, 4, 4)
    assert len(outputs[0][1]) == 3
    with pytest.raises(ValueError, match=r"\[B, 4, H, W\]"):
        disc(torch.rand(1, 3, 64, 64))


def _all_parameters_get_gradients(model, loss):
    loss.backward()
    dead = [name for name, p in model.named_parameters() if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)]
    assert not dead, f"parameters without gradient: {dead}"


def test_gradient_reaches_every_generator_parameter():
    refiner = RefinerNet(RefinerConfig(channels=(8, 16, 16)))
    rgb = torch.rand(2, 3, 32, 32)
    out = refiner(rgb, torch.rand(2, 1, 32, 32), torch.rand(2, 1, 32, 32), refiner.encode_style(rgb), torch.randn(2, 32))
    _all_parameters_get_gradients(refiner, out.rgb.square().mean() + out.disparity.square().mean())
    sky = SkyGenerator(SkyGeneratorConfig(pano_height=16, pano_width=48, channels=(8, 8)))
    dome = sky(torch.rand(2, 3, 16, 48), (torch.rand(2, 1, 16, 48) > 0.5).float(), torch.randn(2, 32))
    _all_parameters_get_gradients(sky, dome.square().mean())


def test_gradient_reaches_every_discriminator_and_depth_parameter():
    disc = MultiScaleDiscriminator(DiscriminatorConfig(channels=8))
    _all_parameters_get_gradients(disc, sum(logits.mean() for logits, _ in disc(torch.rand(2, 4, 32, 32))))
    depth = DepthSkyNet()
    raw, logits = depth(torch.rand(2, 3, 64, 64))
    _all_parameters_get_gradients(depth, raw.mean() + logits.mean())
