"""The flight loop itself: anchoring, determinism, sky preservation."""

import torch
import torch.nn.functional as F

from infinite_nature.camera import StraightPath
from infinite_nature.generate.flight import DOME_COLOUR_LEEWAY, Flight, sky_in_holes
from infinite_nature.render.fill import fill_small_holes
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.world import World

from tests.generate.controllers import Climb, Yaw
from tests.render.scenes import glint_centre, lake


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
    fast = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(0.6))
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


def _splat_result(valid: torch.Tensor, value: float = 0.5):
    from infinite_nature.render.splatting import SplatResult

    valid = valid[None, None]
    features = torch.where(valid, torch.full((1, 4, *valid.shape[-2:]), value), torch.zeros(()))
    disparity = torch.where(valid, torch.full_like(valid, 0.3, dtype=torch.float32), torch.zeros(()))
    return SplatResult(features, disparity, valid.float(), valid.float(), valid, "torch")


def test_small_holes_are_interpolated_and_large_ones_are_left_to_the_refiner():
    valid = torch.ones(64, 64, dtype=torch.bool)
    valid[:, 5] = False  # a 1-px crack from magnification
    valid[10, 20:23] = False  # a 3-px gap
    valid[4:16, 40:52] = False  # a 12x12 sliver: the largest that counts as small
    valid[30:50, 20:40] = False  # a 20x20 disocclusion
    filled = fill_small_holes(_splat_result(valid))
    assert filled.valid[0, 0, 3, 5] and filled.valid[0, 0, 10, 21] and filled.valid[0, 0, 4:16, 40:52].all()
    assert torch.allclose(filled.features[0, :, 3, 5], torch.full((4,), 0.5))
    assert torch.allclose(filled.disparity[0, 0, 10, 20:23], torch.full((3,), 0.3))
    assert torch.allclose(filled.features[0, :, 4:16, 40:52], torch.full((4, 12, 12), 0.5))  # the middle reached
    assert not filled.valid[0, 0, 32:48, 22:38].any()  # the disocclusion's inside stays a hole
    assert torch.equal(filled.features[0, :, 32:48, 22:38], torch.zeros(4, 16, 16))


def test_rendered_pixels_are_kept_and_only_holes_are_refined(tiny_weights):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))  # untrained: changes all it touches
    view, fov = _first()
    changes = {}
    for keep in (True, False):
        flight = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(1e-4),
                        keep_visible=keep)
        frames = iter(flight)
        next(frames)
        changes[keep] = (next(frames).rgb - view.rgb).abs().mean()
    assert changes[True] < 0.005
    assert changes[True] < 0.25 * changes[False]


def _dome_of(sky_colour: torch.Tensor) -> tuple[Flight, torch.Tensor]:
    """The dome of a 64 x 96 photo with ``sky_colour`` ([1, 3, 26 or 1, 1]) above row 26 and
    ground below, and where on the dome that sky was observed ([1, 1, Hp, Wp])."""
    from infinite_nature.render.sky_dome import view_to_panorama

    networks = load_flight_networks("default", torch.device("cpu"))
    rgb = torch.empty(1, 3, 64, 96)
    rgb[:, :, :26] = sky_colour
    rgb[:, :, 26:] = torch.tensor([0.2, 0.45, 0.15]).view(1, 3, 1, 1)
    sky = torch.zeros(1, 1, 64, 96, dtype=torch.bool)
    sky[..., :26, :] = True
    flight = Flight(rgb, torch.full((1, 1, 64, 96), 0.3), sky, 60.0, networks.refiner, networks.sky, StraightPath(0.01))
    height, width = flight.dome.shape[-2:]
    _, known = view_to_panorama(rgb, sky, flight.intrinsics, torch.eye(3)[None], height, width, flight.dome_settings[2])
    return flight, known


def test_the_dome_keeps_the_photo_sky_colours_and_leaves_no_dark_seam_around_them():
    flight, known = _dome_of(torch.tensor([0.55, 0.7, 0.95]).view(1, 3, 1, 1))  # an even blue sky
    ring = (torch.nn.functional.max_pool2d(known, 7, stride=1, padding=3) > 0) & (known < 0.5)  # just outside
    brightness = flight.dome.mean(dim=1, keepdim=True)
    inside = brightness[known > 0.5]
    assert float((inside - 0.7333).abs().max()) < 0.02  # the observed sky is pasted as it was
    assert float(brightness[ring].min()) > 0.9 * 0.7333, float(brightness[ring].min())
    # where the photo shows no sky, the generated colour stays near the photo's sky carried round the dome
    from infinite_nature.render.sky_dome import CARRY_FADE_DEGREES, carry_round_dome, view_to_panorama

    partial, _ = view_to_panorama(flight.rgb, flight.sky, flight.intrinsics, torch.eye(3)[None], *flight.dome.shape[-2:],
                                  flight.dome_settings[2])  # the photo's sky on the dome, as the flight placed it
    carried = carry_round_dome(partial, known > 0.5, CARRY_FADE_DEGREES)
    assert float((flight.dome - carried).abs().max()) <= DOME_COLOUR_LEEWAY + 1e-4
    assert float((carried - torch.tensor([0.55, 0.7, 0.95]).view(1, 3, 1, 1)).abs().max()) < 0.01


def test_a_photo_without_sky_gets_a_generated_sky_not_a_black_one():
    networks = load_flight_networks("default", torch.device("cpu"))
    rgb = torch.rand(1, 3, 48, 64) * 0.3 + 0.2  # forest floor: no sky anywhere
    sky = torch.zeros(1, 1, 48, 64, dtype=torch.bool)
    flight = Flight(rgb, torch.full((1, 1, 48, 64), 0.3), sky, 60.0, networks.refiner, networks.sky, StraightPath(0.01))
    upper = flight.dome[..., : flight.dome.shape[-2] // 2, :]  # above the horizon
    assert float(upper.mean()) > 0.2


_SKY_COLOUR = torch.tensor([0.55, 0.7, 0.95]).view(1, 3, 1, 1)


def _turn_once(ground_disparity: float):
    """A 64 x 96 photo of sky above row 26 and flat ground below, one 15 degree turn on: the
    second frame (splatted from the first, the anchor) and that splat's holes [H, W]."""
    networks = load_flight_networks("default", torch.device("cpu"))
    rgb = torch.empty(1, 3, 64, 96)
    rgb[:, :, :26] = _SKY_COLOUR
    rgb[:, :, 26:] = torch.tensor([0.2, 0.45, 0.15]).view(1, 3, 1, 1)
    sky = torch.zeros(1, 1, 64, 96, dtype=torch.bool)
    sky[..., :26, :] = True
    disparity = torch.full((1, 1, 64, 96), ground_disparity)
    flight = Flight(rgb, disparity, sky, 60.0, networks.refiner, networks.sky, Yaw(15.0))
    frames = iter(flight)
    next(frames)
    frame = next(frames)
    return frame, ~flight._splat_from(flight.anchor, frame.pose, flight.intrinsics).valid[0, 0]


def test_no_dark_line_where_rendered_sky_meets_the_dome_in_a_sky_hole():
    """A sky hole's fill takes the dome before the feathered blend with the rendered sky; the
    ground colour the hole held for ground fills must not show along the border."""
    frame, hole = _turn_once(ground_disparity=0.3)
    hole = hole[:20]  # sky rows
    columns = hole.all(dim=0).nonzero().flatten()
    assert len(columns) > 12  # a side strip wider than the small-hole interpolation
    border = int(columns.min())
    brightness = frame.rgb.mean(dim=1)[0, :20, border - 6:border + 6]  # across the border, well inside the sky
    assert float(brightness.min()) > 0.99 * float(_SKY_COLOUR.mean()), float(brightness.min())


def test_a_hole_follows_its_rendered_neighbours_and_the_refiner_decides_mixed_ones():
    valid = torch.ones(1, 1, 6, 8, dtype=torch.bool)
    valid[..., :, :3] = False  # a strip at the left edge
    valid[..., 4, 5] = False  # a hole between sky and ground in row 4
    sky = torch.zeros_like(valid)
    sky[..., :3, :] = True  # sky in rows 0-2
    sky[..., 4, 4] = True
    says_sky, says_ground = torch.ones_like(valid), torch.zeros_like(valid)
    for refined in (says_sky, says_ground):
        decided = sky_in_holes(refined, sky, valid)
        assert bool(decided[..., :3, :3].all()) and not bool(decided[..., 3:, :3].any())  # the strip: the edge's rows
        assert torch.equal(decided[valid], sky[valid])
        assert bool(decided[0, 0, 4, 5]) == bool(refined[0, 0, 4, 5])  # sky left, ground right: the refiner's call


def test_a_corner_hole_above_the_sky_line_is_sky_though_its_column_meets_ground():
    """The frame's top-left corner after a climb and a turn: the side strip narrows downwards, so
    the corner's column meets rendered ground far below; the sky beside it says sky."""
    valid = torch.ones(1, 1, 32, 24, dtype=torch.bool)
    valid[..., :4, :] = False  # the top strip
    valid[..., :20, :5] = False  # the side strip, down to row 19
    sky = torch.zeros_like(valid)
    sky[..., :10, :] = True  # the rendered sky ends at row 9
    decided = sky_in_holes(torch.zeros_like(valid), sky, valid)
    assert bool(decided[..., :10, :].all())
    assert not bool(decided[..., 10:, :].any())


def test_a_side_strip_takes_the_sky_beside_it_though_ground_is_nearer_below():
    """The top-left corner after a turn and a climb, the strip's edge one pixel ragged (as the
    sunset photo's flight left it): the column beside the strip holds only a little sky, so
    the sky line there is high, and the pixels below it are nearer to the ground under the
    strip than to the sky beside them. They are sky: a side strip looks along its rows (looking
    down its columns made a dark peak of ground grow in the sky's corner)."""
    valid = torch.ones(1, 1, 24, 32, dtype=torch.bool)
    valid[..., :16, :13] = False  # the side strip, down to row 15
    valid[..., :6, 12] = True  # its edge one pixel further left in rows 0-5
    sky = torch.zeros_like(valid)
    sky[..., :12, :] = True  # the rendered sky ends at row 11
    decided = sky_in_holes(torch.zeros_like(valid), sky, valid)
    assert bool(decided[..., :12, :].all())
    assert not bool(decided[..., 12:, :].any())


def test_the_strip_a_turn_opens_keeps_the_horizon_level():
    """Sky rows continue as sky and ground rows as ground into the strip a turn opens, whatever
    the refiner makes of it (left to the refiner, photo flights grew humps of ground into the
    sky and bubbles of sky below ridges)."""
    frame, hole = _turn_once(ground_disparity=0.02)  # far ground: the refiner may call it sky
    columns = hole[30:].all(dim=0).nonzero().flatten()  # the strip, in the ground rows
    assert len(columns) > 12
    strip = frame.sky[0, 0][:, columns]
    assert bool(strip[:24].all()) and not bool(strip[28:].any())


def test_the_dome_continues_the_photo_sky_past_its_edges_without_a_step():
    """Beyond the photo's sides the dome continues each elevation's colours (a sky darker above
    than at the horizon), instead of stepping to the generator's colours at the photo's edge."""
    shade = torch.linspace(0.6, 1.0, 26).view(1, 1, 26, 1)  # darker towards the zenith
    flight, known = _dome_of(torch.tensor([0.3, 0.5, 0.9]).view(1, 3, 1, 1) * shade)
    rows = (known[0, 0].sum(dim=-1) > 0).nonzero().flatten()
    dome = flight.dome[0, :, rows]  # [3, rows, W]: the elevations the photo's sky covers, all the way round
    step = (dome - dome.roll(1, dims=-1)).abs().amax(dim=0)  # between neighbouring azimuths
    assert float(step.max()) < 0.01, float(step.max())


def test_a_splat_without_holes_is_the_frame_and_the_refiner_is_not_run(tiny_weights):
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    view, fov = _first()
    calls = []  # the real refiner's forward calls
    networks.refiner.register_forward_pre_hook(lambda module, args: calls.append(args))
    for controller, holes in ((StraightPath(1e-4), False), (Yaw(15.0), True)):
        calls.clear()
        flight = Flight(view.rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, controller)
        frames = iter(flight)
        next(frames)
        frame = next(frames)
        splatted = flight._splat_from(flight.anchor, frame.pose, flight.intrinsics)
        assert bool((~splatted.valid).any()) == holes
        assert len(calls) == int(holes)
        if not holes:
            assert torch.equal(frame.rgb, splatted.features[:, :3])
            assert torch.equal(frame.sky, splatted.features[:, 3:4] > 0.5)


def test_a_photo_with_finer_pixels_stays_sharper_when_flown_into(tiny_weights):
    """The first anchor reads the photo's finer pixels where the flight magnifies it."""
    from infinite_nature.evaluate.metrics import sharpness

    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    world = World(3)
    camera, fine_camera = world.sample_camera(48, 48), world.sample_camera(96, 96)
    assert torch.equal(camera.pose, fine_camera.pose)
    view, fine = world.render(camera), world.render(fine_camera).rgb  # fine: [1, 3, 96, 96]
    working = torch.nn.functional.avg_pool2d(fine, 2)
    fov = world.params.fov_degrees
    last = {}
    for name, detail in (("plain", None), ("detail", fine)):
        flight = Flight(working, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(0.05),
                        detail=detail, detail_octaves=False)
        frames = iter(flight)
        assert torch.equal(next(frames).rgb, working)
        for _ in range(8):
            frame = next(frames)
        assert flight.anchors_made == 1
        assert not frame.sky[..., 24:, :].any()
        last[name] = frame.rgb[..., 24:, :]  # the ground, nearest and most magnified
    assert sharpness(last["detail"]) > 1.08 * sharpness(last["plain"])  # 1.14 measured; the worlds are smooth
    while flight.anchors_made == 1 and flight.step < 60:  # on to a new anchor: it gets finer pixels of its own
        next(frames)
    assert flight.anchors_made > 1
    assert flight.anchor.detail is not None and flight.anchor.detail.sizes[0] == (96, 96)


def test_a_flight_adds_finer_octaves_where_it_magnifies_past_its_source(tiny_weights):
    """Without a photo's finer pixels, the octaves come from the working image itself (factor 1):
    the first frame is as it was, flown-into ground is sharper, and new anchors get their own."""
    from infinite_nature.evaluate.metrics import sharpness

    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    view, fov = _first(48)
    rgb = (view.rgb + 0.1 * torch.randn(1, 1, 48, 48) * ~view.sky).clamp(0, 1)  # textured ground (the world is smooth at 48 px)
    last = {}
    for octaves in (False, True):
        flight = Flight(rgb, view.disparity, view.sky, fov, networks.refiner, networks.sky, StraightPath(0.1),
                        detail_octaves=octaves)
        assert (flight.anchor.detail is not None) == octaves
        frames = iter(flight)
        assert torch.equal(next(frames).rgb, rgb)
        for _ in range(8):
            frame = next(frames)
        last[octaves] = frame.rgb[..., 24:, :]  # the ground, nearest and most magnified
    assert sharpness(last[True]) > 1.2 * sharpness(last[False])
    while flight.anchors_made == 1 and flight.step < 60:
        next(frames)
    assert flight.anchors_made > 1
    assert flight.anchor.detail.factor == 1 and flight.anchor.detail.octaves is not None


def test_ground_the_camera_flies_over_leaves_the_view(tiny_weights):
    """A new anchor keeps what it renders nearer than the near plane (disparity above 1) as near
    as it is: clipped to the near plane, a bank the camera climbed over was pushed back out to
    1 unit at every new anchor and stayed in the view, a wall flying along with the camera
    (world 6012 of the validation worlds' short range)."""
    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    rgb = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    disparity = torch.full((1, 1, 64, 64), 0.05)
    disparity[..., 40:, :] = 0.9  # a near bank across the bottom, 1.1 units away
    flight = Flight(rgb, disparity, torch.zeros(1, 1, 64, 64, dtype=torch.bool), 60.0, networks.refiner,
                    networks.sky, Climb(forward=0.15, up=0.05))
    frames = {frame.index: frame for frame, _ in zip(flight, range(6))}
    assert flight.anchors_made > 2  # the gap opening above the bank made new anchors on the way
    assert float(frames[3].disparity.max()) > 1.2  # nearer than the near plane, as it is
    assert float((frames[5].disparity > 0.8).float().mean()) < 0.01  # 0.75 units on and 0.25 up: gone


def test_water_flown_over_stays_as_dark_as_the_world_shows_it(monkeypatch):
    """Far water reflects the bright horizon; flown over, the truth there is dark. Kept as the
    anchor saw it, the built-in example's lake turned grey within 100 frames."""
    import infinite_nature.generate.flight as flight_module
    from infinite_nature.evaluate.long_range import world_view_at

    networks = load_flight_networks("default", torch.device("cpu"))
    world = World(7)  # the built-in example: a lake below the camera
    camera = world.sample_camera(64, 64)
    view = world.render(camera)
    truth_at = world_view_at(world, camera, view.scale)
    bottom = {}
    for name in ("shaded", "as seen"):
        if name == "as seen":
            monkeypatch.setattr(flight_module, "find_water", lambda *args: None)
        flight = Flight(view.rgb, view.disparity, view.sky, world.params.fov_degrees, networks.refiner, networks.sky,
                        StraightPath(0.03))
        assert (flight.water is not None) == (name == "shaded")
        for frame in flight:
            if frame.index == 60:
                break
        bottom[name] = float(frame.rgb[..., 48:, :].mean())
    truth = float(truth_at(frame.pose)[..., 48:, :].mean())
    assert abs(bottom["shaded"] - truth) < 0.03, (bottom, truth)
    assert bottom["as seen"] > truth + 0.05, (bottom, truth)  # what it fixes


def test_the_suns_glint_on_water_stays_in_its_direction_as_the_camera_flies_on(tiny_weights, monkeypatch):
    """A mirror image lies in a fixed direction, as the sky does. Left on the water, the built-in
    example's sun glint came nearer with the water and grew into a blurred white blob."""
    import infinite_nature.generate.flight as flight_module

    networks = load_flight_networks(str(tiny_weights), torch.device("cpu"))
    rgb, disparity, sky, intrinsics = lake()
    rgb[..., 44:47, 30:32] += 0.3
    centres = {}
    for name in ("in its direction", "on the water"):
        if name == "on the water":
            monkeypatch.setattr(flight_module, "find_glints", lambda rgb, water, intrinsics: (rgb, None))
        flight = Flight(rgb, disparity, sky, 60.0, networks.refiner, networks.sky, StraightPath(0.03))
        frames = {frame.index: frame.rgb for frame, _ in zip(flight, range(41))}
        torch.testing.assert_close(frames[0], rgb)
        centres[name] = glint_centre(frames[0]), glint_centre(frames[40])
    (column, row), (column_40, row_40) = centres["in its direction"]
    assert abs(column_40 - column) < 0.5 and abs(row_40 - row) < 0.5, centres
    (column, row), (column_40, row_40) = centres["on the water"]
    assert row_40 > row + 2, centres  # what it fixes: the glint came nearer with the water below it


def test_a_beach_at_the_waterline_keeps_its_colour_as_the_water_darkens():
    """Land a little above the water (a beach, 1% nearer than the plane: within the 2% that
    counts rendered pixels as water, which resampling needs) is not water: flown towards, the
    water takes the darker colour of its steeper angle (at a constant height over this lake
    each pixel keeps its colour) and the beach keeps its own. Shaded as
    water, the built-in example's island grew a dark rim along its shore where the truth has a
    light beach."""
    networks = load_flight_networks("default", torch.device("cpu"))
    rgb, disparity, sky, intrinsics = lake()
    beach = torch.zeros_like(sky)
    beach[..., 44:50, :] = True
    disparity = torch.where(beach, disparity * 1.01, disparity)
    sand = torch.tensor([0.75, 0.6, 0.35]).view(1, 3, 1, 1)
    lake_rgb, rgb = rgb, torch.where(beach, sand, rgb)
    flight = Flight(rgb, disparity, sky, 60.0, networks.refiner, networks.sky, StraightPath(0.1))
    assert flight.water is not None and not bool(flight.water_mask[beach].any())
    frames = {frame.index: frame.rgb for frame, _ in zip(flight, range(11))}
    sandy = (frames[10][:, 0] - frames[10][:, 2] > 0.25)[:, None]  # the beach, wherever it moved
    water = ~sky & ~sandy & (frames[10][:, 2] > frames[10][:, 0])[:, None]
    assert int(sandy.sum()) > 64
    change = (frames[10] - sand).mean(dim=1, keepdim=True)[sandy].abs().mean()
    assert float(change) < 0.01, float(change)
    water &= ~F.max_pool2d(sandy.float(), 17, stride=1, padding=8).bool()  # not where the beach's edge was resampled
    assert int(water.sum()) > 256
    torch.testing.assert_close(frames[10][water.expand_as(rgb)], lake_rgb[water.expand_as(rgb)], atol=0.02, rtol=0)


def test_holes_on_the_water_take_its_colour_at_their_angle(monkeypatch):
    """Over a level lake whose colour depends only on the viewing angle, a camera moving at a
    constant height keeps seeing the same frame. Backing away opens rows at the bottom that
    the first frame did not show: from the water's colour by angle they match it; filled from
    the rows above, they would be as pale as the farther water there."""
    import infinite_nature.generate.flight as flight_module

    networks = load_flight_networks("default", torch.device("cpu"))  # the tiny ones call holes sky at random
    rgb, disparity, sky, intrinsics = lake()
    bottoms = {}
    for name in ("by angle", "from the rows above"):
        if name == "from the rows above":
            monkeypatch.setattr(flight_module.Flight, "_water_in_holes", lambda self, rgb, *args: rgb)
        flight = Flight(rgb, disparity, sky, 60.0, networks.refiner, networks.sky, StraightPath(-0.6))
        frames = {frame.index: frame.rgb for frame, _ in zip(flight, range(2))}
        bottoms[name] = float((frames[1] - rgb)[..., 48:, :].abs().mean())
    assert bottoms["by angle"] < 0.01, bottoms
    assert bottoms["from the rows above"] > 2 * bottoms["by angle"], bottoms


def test_a_hole_amid_land_stays_land_where_its_fill_lies_beyond_the_water_plane():
    """Only holes that rendered water surrounds take the water's colour: a hole on an island
    whose fill came out a little beyond the plane (pull-push from the ground round it, as low
    over the built-in example's island) had become a pale grey blob of water on the land."""
    from dataclasses import replace

    from infinite_nature.generate.flight import _water_around

    networks = load_flight_networks("default", torch.device("cpu"))
    rgb, disparity, sky, intrinsics = lake()
    island = torch.zeros_like(sky)
    island[..., 44:, 16:48] = True
    disparity = torch.where(island, disparity * 1.1, disparity)  # standing on the water
    rgb = torch.where(island, torch.tensor([0.2, 0.45, 0.15]).view(1, 3, 1, 1), rgb)
    flight = Flight(rgb, disparity, sky, 60.0, networks.refiner, networks.sky, StraightPath(0.03))
    assert flight.water is not None
    seen = flight.water.view(flight.intrinsics, flight.pose, 64, 64)
    splatted = flight._splat_from(flight.anchor, flight.pose, flight.intrinsics, seen)
    on_land, on_water = torch.zeros_like(sky), torch.zeros_like(sky)
    on_land[..., 52:58, 28:34] = True
    on_water[..., 52:58, 2:8] = True
    splatted = replace(splatted, valid=splatted.valid & ~on_land & ~on_water)
    holes = on_land | on_water
    fill = torch.where(holes, 0.5, rgb)
    beyond = torch.where(holes, seen.disparity() * 0.99, disparity)  # 1% beyond the plane
    out = flight._water_in_holes(fill, beyond, sky, splatted.valid.float(), splatted, seen, _water_around(splatted))
    torch.testing.assert_close(out[on_land.expand_as(out)], fill[on_land.expand_as(out)])
    assert float((out - rgb)[on_water.expand_as(out)].abs().max()) < 0.03


def test_hazy_ground_flown_towards_clears_as_the_world_shows_it():
    """Far ground is seen through haze; flown up to, the truth there has less of it. Kept as
    the anchor saw it, hills came nearer as pale bands."""
    from infinite_nature.evaluate.long_range import world_view_at

    networks = load_flight_networks("default", torch.device("cpu"))
    world = World(6005)  # a validation world with thick haze
    camera = world.sample_camera(64, 64)
    view = world.render(camera)
    truth_at = world_view_at(world, camera, view.scale)
    error = {}
    for cleared in (True, False):
        flight = Flight(view.rgb, view.disparity, view.sky, world.params.fov_degrees, networks.refiner, networks.sky,
                        StraightPath(0.3), aerial_perspective=cleared)
        assert (flight.haze is not None) == cleared
        for frame in flight:
            if frame.index == 10:
                break
        error[cleared] = float((frame.rgb - truth_at(frame.pose)).abs().mean())
    assert error[True] < 0.6 * error[False], error  # 0.020 against 0.041 when written
