"""``infinite-nature bench``: print speed figures (and optionally save them as JSON)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from infinite_nature.atomic import check_output_folder, write_text_atomic
from infinite_nature.bench.configs import (
    DemoBenchConfig, GenerateBenchConfig, ModelsBenchConfig, RenderBenchConfig, WorldBenchConfig,
)
from infinite_nature.config import add_arguments, from_namespace
from infinite_nature.device import DEVICE_CHOICES, resolve_device, threads_beside_a_server
from infinite_nature.errors import UsageError


def _report(args: argparse.Namespace, name: str, machine: dict, config: object, rows: list, table: str) -> int:
    print(table)
    if args.json:
        report = {"benchmark": name, "machine": machine, "config": vars(config), "rows": rows}
        write_text_atomic(args.json, json.dumps(report, indent=2, default=list))
        print(f"wrote {args.json}")
    return 0


def _announce(title: str, device, detail: str) -> dict:
    """Describe the machine, print the benchmark's header line, and return the description."""
    from infinite_nature.bench.machine import describe_machine

    machine = describe_machine(device)
    print(f"{title} on {machine['device']} ({machine.get('gpu', machine['processor'])}, "
          f"{machine['torch_threads']} torch threads), {detail}")
    return machine


def _run_render(args: argparse.Namespace) -> int:
    from infinite_nature.bench.render import format_render_table, run_render_bench

    config = from_namespace(RenderBenchConfig, args)
    if config.repeats < 1:
        raise UsageError("--repeats must be at least 1")
    if any(size < 8 for size in config.sizes):
        raise UsageError("--sizes must be at least 8 pixels")
    device = resolve_device(args.device)
    machine = _announce("renderer benchmark", device, f"mode={config.mode}, median of {config.repeats}")
    rows = run_render_bench(config, device, progress=not args.quiet)
    return _report(args, "render", machine, config, rows, format_render_table(rows))


def _run_world(args: argparse.Namespace) -> int:
    from infinite_nature.bench.world import format_world_table, run_world_bench

    config = from_namespace(WorldBenchConfig, args)
    if any(size < 8 for size in config.sizes) or any(seed < 0 for seed in config.seeds):
        raise UsageError("--sizes must be at least 8 pixels and --seeds non-negative")
    machine = _announce("procedural world benchmark", resolve_device("cpu"), f"median over {len(config.seeds)} worlds")
    rows = run_world_bench(config, progress=not args.quiet)
    return _report(args, "world", machine, config, rows, format_world_table(rows))


def _run_models(args: argparse.Namespace) -> int:
    from infinite_nature.bench.models import format_models_table, run_models_bench

    config = from_namespace(ModelsBenchConfig, args)
    if config.repeats < 1 or config.size < 32:
        raise UsageError("--repeats must be at least 1 and --size at least 32")
    device = resolve_device(args.device)
    machine = _announce("network benchmark", device, f"{config.size}x{config.size}, batch 1, inference")
    rows = run_models_bench(config, device, progress=not args.quiet)
    return _report(args, "models", machine, config, rows, format_models_table(rows))


def _run_generate(args: argparse.Namespace) -> int:
    from infinite_nature.bench.generate import format_generate_report, run_generate_bench

    config = from_namespace(GenerateBenchConfig, args)
    if config.frames < 2 or config.size < 32 or config.starts < 0 or config.start_frames < 1:
        raise UsageError("--frames must be >= 2, --size >= 32, --starts >= 0, --start-frames >= 1")
    device = resolve_device(args.device)
    machine = _announce("generation benchmark", device, f"{config.size}x{config.size}, {config.frames} frames")
    report = run_generate_bench(config, device, progress=not args.quiet)
    return _report(args, "generate", machine, config, [report], format_generate_report(report))


def _run_demo(args: argparse.Namespace) -> int:
    from infinite_nature.bench.demo import format_demo_report, run_demo_bench

    config = from_namespace(DemoBenchConfig, args)
    if config.seconds < 3 or config.presses < 1 or config.threads < 0:
        raise UsageError("--seconds must be >= 3, --presses >= 1 and --threads >= 0 (0: all cores but one)")
    device = resolve_device(args.device)
    threads_beside_a_server(config.threads, device)
    machine = _announce("demo benchmark", device, f"{config.size} px, {config.client} client, {config.seconds:g} s")
    report = run_demo_bench(config, device, progress=not args.quiet)
    return _report(args, "demo", machine, config, [report], format_demo_report(report))


def _run_all(args: argparse.Namespace) -> int:
    """Every benchmark with its defaults (generation: 1000 frames), one JSON for all."""
    from infinite_nature.bench.generate import format_generate_report, run_generate_bench
    from infinite_nature.bench.models import format_models_table, run_models_bench
    from infinite_nature.bench.render import format_render_table, run_render_bench
    from infinite_nature.bench.world import format_world_table, run_world_bench

    device = resolve_device(args.device)
    machine = _announce("all benchmarks", device, "renderer, networks, worlds, generation")
    results = {}
    render = RenderBenchConfig()
    progress = not args.quiet
    results["render"] = run_render_bench(render, device, progress)
    print(format_render_table(results["render"]))
    results["models"] = run_models_bench(ModelsBenchConfig(), device, progress)
    print(format_models_table(results["models"]))
    results["world"] = run_world_bench(WorldBenchConfig(), progress)
    print(format_world_table(results["world"]))
    generate = GenerateBenchConfig(weights=args.weights)
    results["generate"] = run_generate_bench(generate, device, progress)
    print(format_generate_report(results["generate"]))
    if args.json:
        write_text_atomic(args.json, json.dumps({"benchmark": "all", "machine": machine, "results": results}, indent=2))
        print(f"wrote {args.json}")
    return 0


def _json_checked(handler: Callable) -> Callable:
    """``handler``, run only once --json is known to be writable (benchmarks take minutes)."""

    def run(args: argparse.Namespace) -> int:
        if args.json:
            check_output_folder(Path(args.json).parent, f"--json {args.json}")
        return handler(args)

    return run


def _add_target(
    targets: argparse._SubParsersAction, name: str, summary: str, config: type, handler: Callable, device: bool
) -> None:
    parser = targets.add_parser(name, help=summary, description=summary)
    add_arguments(parser, config)
    if device:
        parser.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} (default: auto)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures and the machine description as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars (they go to stderr; the figures to stdout)")
    parser.set_defaults(handler=_json_checked(handler))


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    bench = subparsers.add_parser("bench", help=summary, description="Print speed figures.")
    targets = bench.add_subparsers(dest="target", metavar="TARGET", required=True)
    _add_target(
        targets, "render", "Milliseconds per splat, forward and forward+backward, for each renderer backend.",
        RenderBenchConfig, _run_render, device=True,
    )
    _add_target(
        targets, "models", "Inference ms, parameters, FLOPs and weight size of each network.",
        ModelsBenchConfig, _run_models, device=True,
    )
    _add_target(
        targets, "generate", "Frames per second, memory over a long flight, and auto-pilot stability on world starts.",
        GenerateBenchConfig, _run_generate, device=True,
    )
    _add_target(
        targets, "demo", "Demo frames per second and key-press-to-changed-frame latency (a live server).",
        DemoBenchConfig, _run_demo, device=True,
    )
    every = targets.add_parser(
        "all", help="every benchmark above with its defaults, one JSON",
        description="Run the render, models, world and generate benchmarks with their defaults.",
    )
    every.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} (default: auto)")
    every.add_argument("--weights", default="default", help="weights for the generation benchmark (default: default)")
    every.add_argument("--json", metavar="PATH", help="also write every figure and the machine description as JSON")
    every.add_argument("--quiet", action="store_true", help="no progress bars (they go to stderr; the figures to stdout)")
    every.set_defaults(handler=_json_checked(_run_all))
    _add_target(
        targets, "world", "Seconds per procedural world view (CPU), with a cold and a warm height cache.",
        WorldBenchConfig, _run_world, device=False,
    )
