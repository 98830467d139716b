"""The flight loop itself: anchoring, determinism, sky preservation."""

import torch

from infinite_nature.camera import StraightPath
from infinite_nature.generate.flight import Flight
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.world import World


def _first(size=48):
    world = World(3)
    view = world.render(world.sample_camera(size, size))
    return view, world.params.fov_degrees


def test_frames_come_from_an_anchor_until_it_no_longer_covers_the_view(tiny_weights):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    view, fov = _first()
    slow = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(1e-4))
    frames = iter(slow)
    for _ in range(6):
        next(frames)
    assert slow.anchors_made == 1  # barely moving: every frame splats from the first one
    fast = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(0.3))
    frames = iter(fast)
    for _ in range(6):
        next(frames)
    assert fast.anchors_made > 1


def test_the_first_frame_and_its_sky_are_kept(tiny_weights):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    view, fov = _first()
    flight = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(1e-4))
    frames = iter(flight)
    first = next(frames)
    assert torch.equal(first.rgb, view.rgb)
    second = next(frames)
    sky = second.sky & view.sky
    assert sky.float().mean() > 0.5 * view.sky.float().mean()
    # the observed sky is pasted into the dome: a still camera sees (nearly) the photo's sky
    assert (second.rgb - view.rgb).abs()[sky.expand_as(view.rgb)].mean() < 0.05
