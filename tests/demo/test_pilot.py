"""The demo's switchable pilot: the auto-pilot takes up the framing that hand flying left."""

import torch

from infinite_nature.camera import heading
from infinite_nature.demo.pilot import DemoPilot
from tests.camera.views import fly, landscape


def test_autopilot_switched_back_on_keeps_the_horizon_where_the_view_has_it():
    pitches = []
    for switch in (False, True):
        pilot = DemoPilot()
        pose = fly(pilot, landscape(sky_rows=14), 5)  # 44% sky when it started
        if switch:
            pilot.set_autopilot(False)
            pilot.set_autopilot(True)
        pitches.append(heading(fly(pilot, landscape(sky_rows=11), 30, pose))[1])  # then 34% sky
    assert pitches[0] > 2.0  # still after 44%, it looked up
    assert abs(pitches[1]) < 0.5  # switched off and on, it keeps 34% and looks on level
