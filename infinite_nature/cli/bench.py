"""``infinite-nature bench``: print speed figures (and optionally save them as JSON)."""

from __future__ import annotations

import argparse
import json

from infinite_nature.atomic import write_text_atomic
from infinite_nature.bench.machine import describe_machine
from infinite_nature.bench.render import RenderBenchConfig, format_render_table, run_render_bench
from infinite_nature.config import add_arguments, from_namespace
from infinite_nature.device import DEVICE_CHOICES, resolve_device
from infinite_nature.errors import UsageError


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} (default: auto)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures and the machine description as JSON")


def _run_render(args: argparse.Namespace) -> int:
    config = from_namespace(RenderBenchConfig, args)
    if config.repeats < 1:
        raise UsageError("--repeats must be at least 1")
    if any(size < 8 for size in config.sizes):
        raise UsageError("--sizes must be at least 8 pixels")
    device = resolve_device(args.device)
    machine = describe_machine(device)
    print(f"renderer benchmark on {machine['device']} ({machine.get('gpu', machine['processor'])}, "
          f"{machine['torch_threads']} torch threads), mode={config.mode}, median of {config.repeats}")
    rows = run_render_bench(config, device)
    print(format_render_table(rows))
    if args.json:
        report = {"benchmark": "render", "machine": machine, "config": vars(config), "rows": rows}
        write_text_atomic(args.json, json.dumps(report, indent=2, default=list))
        print(f"wrote {args.json}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser("bench", help="print speed figures", description="Print speed figures.")
    targets = bench.add_subparsers(dest="target", metavar="TARGET", required=True)
    render = targets.add_parser(
        "render",
        help="ms per splat for each renderer backend",
        description="Milliseconds per splat, forward and forward+backward, for each renderer backend.",
    )
    add_arguments(render, RenderBenchConfig)
    _common(render)
    render.set_defaults(handler=_run_render)
