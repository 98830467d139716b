"""The demo's switchable pilot: the auto-pilot takes up the framing that hand flying left."""

import torch

from infinite_nature.camera import ViewState, heading
from infinite_nature.demo.pilot import DemoPilot
from infinite_nature.geometry import intrinsics_from_fov


def _view(sky_rows: int) -> torch.Tensor:  # [32, 48] disparity: sky on top, ground nearing downwards
    disparity = torch.linspace(0.05, 0.8, 32)[:, None].repeat(1, 48)
    disparity[:sky_rows] = 0.01
    return disparity


def _fly(pilot: DemoPilot, disparity: torch.Tensor, steps: int, pose: torch.Tensor) -> torch.Tensor:
    intrinsics = intrinsics_from_fov(60.0, *disparity.shape, dtype=torch.float64)[0]
    for step in range(steps):
        pose = pilot.next_pose(ViewState(pose, intrinsics, disparity, disparity < 0.02, step))
    return pose


def test_autopilot_switched_back_on_keeps_the_horizon_where_the_view_has_it():
    pitches = []
    for switch in (False, True):
        pilot = DemoPilot()
        pose = _fly(pilot, _view(14), 5, torch.eye(4, dtype=torch.float64))  # 44% sky when it started
        if switch:
            pilot.set_autopilot(False)
            pilot.set_autopilot(True)
        pitches.append(heading(_fly(pilot, _view(11), 30, pose))[1])  # then 34% sky
    assert pitches[0] > 2.0  # still after 44%, it looked up
    assert abs(pitches[1]) < 0.5  # switched off and on, it keeps 34% and looks on level
