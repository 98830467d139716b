"""End-to-end generation benchmark: fps, memory over a long flight, and auto-pilot stability.

Stability flies the auto-pilot from procedural-world starts and maps each flight camera back
to world metres (``t_world = R_start t_scene / scale``) to check it never goes under the
ground or water surface.
"""

from __future__ import annotations

import resource
import time

import torch
from tqdm import tqdm

from infinite_nature.bench.configs import GenerateBenchConfig
from infinite_nature.camera import AutoPilot
from infinite_nature.evaluate.long_range import clearance_check
from infinite_nature.generate.flight import Flight
from infinite_nature.generate.weights import load_flight_networks
from infinite_nature.world import World


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _flight(world: World, index: int, size: int, networks, device) -> tuple[Flight, torch.Tensor, float]:
    camera = world.sample_camera(size, size, index=index)
    view = world.render(camera)
    flight = Flight(view.rgb, view.disparity, view.sky, world.params.fov_degrees, networks.refiner, networks.sky, AutoPilot())
    return flight, camera.pose, view.scale


def run_generate_bench(config: GenerateBenchConfig, device: torch.device, progress: bool = False) -> dict[str, object]:
    networks = load_flight_networks(config.weights, device)
    flight, _, _ = _flight(World(config.example_seed), 0, config.size, networks, device)
    frames = iter(flight)
    next(frames)
    rss_after_50 = None
    start = time.perf_counter()
    for index in tqdm(range(1, config.frames), desc="long flight", unit="frame", disable=not progress):
        next(frames)
        if index == 50:
            rss_after_50 = _rss_mb()
            start_50 = time.perf_counter()
    seconds = time.perf_counter() - start
    report: dict[str, object] = {
        "frames": config.frames,
        "fps": (config.frames - 1) / seconds,
        "fps_after_50": (config.frames - 51) / (time.perf_counter() - start_50) if config.frames > 51 else None,
        "rss_mb_after_50": rss_after_50,
        "rss_mb_end": _rss_mb(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "nonfinite_events": flight.nonfinite_events,
        "recoveries": flight.controller.recoveries,
    }
    if rss_after_50 is not None:
        report["rss_growth_mb"] = report["rss_mb_end"] - rss_after_50
    if config.starts:
        under, recoveries, lowest = 0, 0, float("inf")
        for seed in tqdm(range(config.starts), desc="stability", unit="flight", disable=not progress):
            world = World(1000 + seed)
            flight, start_pose, scale = _flight(world, 0, config.size, networks, device)
            clearance = clearance_check(world, start_pose, scale)
            went_under = False
            for frame_index, frame in enumerate(flight):
                metres = clearance(frame.pose)
                lowest = min(lowest, metres)
                went_under |= metres < 0
                if frame_index + 1 >= config.start_frames:
                    break
            under += went_under
            recoveries += flight.controller.recoveries
        report |= {"starts": config.starts, "flights_under_ground": under, "stability_recoveries": recoveries,
                   "lowest_clearance_m": lowest}
    return report


def format_generate_report(report: dict[str, object]) -> str:
    lines = [f"{key:>24}: {value:.2f}" if isinstance(value, float) else f"{key:>24}: {value}" for key, value in report.items()]
    return "\n".join(lines)
