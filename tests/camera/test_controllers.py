"""Camera controllers on synthetic views: where they steer, and how they recover."""

import math

import pytest
import torch

from infinite_nature.camera import AutoPilot, AutoPilotConfig, OrbitPath, Steering, StraightPath, heading
from tests.camera.views import fly, landscape, view_state


def test_autopilot_turns_towards_open_sky():
    disparity = landscape()
    disparity[:20, 24:] = 0.01  # more sky on the right
    pose = fly(AutoPilot(AutoPilotConfig(look_smoothing=0.3)), disparity, 10)
    assert pose[0, 2] > 0.02  # forward has turned towards +x (right)


def test_autopilot_climbs_over_near_ground_and_moves_at_speed():
    near = torch.full((32, 48), 0.9)
    near[:4] = 0.01
    pilot = AutoPilot(AutoPilotConfig(speed=0.1))
    pose = fly(pilot, near, 5)
    assert pose[1, 3] < 0  # up is -y: it climbed
    assert pilot.recoveries == 1 and pilot.recovering


def test_autopilot_recovers_in_front_of_a_wall_and_logs_it(caplog):
    wall = torch.full((32, 48), 0.7)
    pilot = AutoPilot(AutoPilotConfig(speed=0.1))
    with caplog.at_level("INFO"):
        pose = fly(pilot, wall, 3)
    assert pilot.recoveries == 1 and "recovery 1" in caplog.text
    assert pose[:3, 3].norm() < 0.3 * 0.1 * 3 + 1e-6  # slowed down
    pilot.next_pose(view_state(landscape(), 3, pose))
    assert not pilot.recovering
    pilot.next_pose(view_state(wall, 4, pose))
    assert pilot.recoveries == 2


def test_autopilot_turns_only_on_a_clear_imbalance_of_sky():
    disparity = landscape()
    disparity[10:12, 24:] = 0.01  # 55% of the sky on the right
    assert abs(heading(fly(AutoPilot(), disparity, 30))[0]) < 0.1
    assert heading(fly(AutoPilot(AutoPilotConfig(turn_deadband=0.0)), disparity, 30))[0] > 1.0


def _pitch_after(pilot: AutoPilot, disparity: torch.Tensor, steps: int = 30) -> float:
    """Degrees above level the pilot looks after flying ``steps`` frames over the same view."""
    return heading(fly(pilot, disparity, steps))[1]


def test_autopilot_keeps_the_horizon_where_its_first_frame_has_it():
    half_sky = landscape(sky_rows=14)  # 44% sky: kept, so the pilot looks on level
    assert abs(_pitch_after(AutoPilot(), half_sky)) < 0.5
    assert _pitch_after(AutoPilot(AutoPilotConfig(horizon=0.3)), half_sky) < -3.0  # a fixed 30% looks down
    assert _pitch_after(AutoPilot(), landscape(sky_rows=26)) < -3.0  # 81% sky: more than the range allows
    assert _pitch_after(AutoPilot(), landscape(sky_rows=2)) > 3.0  # 6% sky: less than the range allows


def test_steering_moves_the_look_and_decays():
    steering = Steering(decay=0.5)
    steering.push(1.0, 0.0)
    pilot = AutoPilot(AutoPilotConfig(look_smoothing=0.5), steering=steering)
    pose = pilot.next_pose(view_state(landscape()))
    assert pose[0, 2] > 0.05
    assert steering.x == pytest.approx(0.5)
    steering.push(5.0, -5.0)
    assert (steering.x, steering.y) == (1.0, -1.0)
    with pytest.raises(ValueError):
        Steering(decay=1.0)


def test_pitch_never_flips_over():
    pilot = AutoPilot(AutoPilotConfig(look_smoothing=1.0))
    pilot.steering.push(0.0, -1.0)
    pose = fly(pilot, torch.full((32, 48), 0.01), 30)  # all sky: keeps pitching down, limited
    assert abs(pose[1, 2]) <= math.sin(math.radians(60)) + 1e-6


def test_straight_and_orbit_paths():
    straight = StraightPath(speed=0.2)
    pose = straight.next_pose(view_state(landscape(), step=4))
    torch.testing.assert_close(pose[:3, 3], torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))
    orbit = OrbitPath(speed=0.1, distance=3.0, radius=0.5)
    centre = torch.tensor([0.0, 0.0, 3.0], dtype=torch.float64)
    for step in range(0, 40, 7):
        pose = orbit.next_pose(view_state(landscape(), step=step))
        forward = pose[:3, 2]
        to_centre = torch.nn.functional.normalize(centre - pose[:3, 3], dim=0)
        assert torch.dot(forward, to_centre) > 0.999


def test_heading_reads_yaw_and_pitch_of_a_pose():
    from infinite_nature.geometry.pose import look_direction

    pose = look_direction(torch.zeros(1, 3, dtype=torch.float64), torch.tensor([[1.0, -1.0, 1.0]], dtype=torch.float64))[0]
    yaw, pitch = heading(pose)
    assert yaw == pytest.approx(45.0) and pitch == pytest.approx(math.degrees(math.atan(1 / math.sqrt(2))))


def test_manual_pilot_flies_straight_and_turns_with_the_steering():
    from infinite_nature.camera import ManualPilot, heading

    pilot = ManualPilot(speed=0.1, turn_degrees=3.0)
    pose = fly(pilot, landscape(), 5)
    assert heading(pose) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert pose[:3, 3].tolist() == pytest.approx([0.0, 0.0, 0.5])
    pilot.steering.push(-1.0, -1.0)  # left and up
    state = view_state(landscape(), 5, pose)
    turned = pilot.next_pose(state)
    yaw, pitch = heading(turned)
    assert yaw == pytest.approx(-3.0) and pitch == pytest.approx(3.0)
    for _ in range(200):  # holding "up" never flips over the zenith
        pilot.steering.push(0.0, -1.0)
        turned = pilot.next_pose(view_state(landscape(), 6, turned))
    assert heading(turned)[1] == pytest.approx(60.0)


def test_steering_up_makes_the_autopilot_climb():
    climbs = []
    for steer_y in (0.0, -1.0):
        pilot = AutoPilot(AutoPilotConfig(move_smoothing=1.0))
        pose = torch.eye(4, dtype=torch.float64)
        for step in range(10):
            pilot.steering.push(0.0, steer_y)
            pose = pilot.next_pose(view_state(landscape(), step, pose))
        climbs.append(-float(pose[1, 3]))  # up is -y
    assert climbs[1] > climbs[0] + 0.01
