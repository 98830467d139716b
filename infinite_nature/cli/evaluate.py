"""``infinite-nature eval``: quality against ground truth on held-out procedural worlds.

Built so far: short-range quality (ours vs warp-only vs warp + Telea inpainting along true
trajectories) and depth + sky quality. Long-range drift, FID/KID, plots and contact
sheets are tracked in issue #8.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from infinite_nature.atomic import write_text_atomic
from infinite_nature.cli.arguments import positive_int
from infinite_nature.device import resolve_device


def _run(args: argparse.Namespace) -> int:
    from infinite_nature.depth.builtin import load_depth_sky
    from infinite_nature.evaluate.depth import evaluate_depth
    from infinite_nature.evaluate.report import psnr_gain, sharpness_ratio, short_range_table
    from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS, ShortRangeConfig, evaluate_short_range
    from infinite_nature.generate.weights import load_flight_networks

    device = resolve_device("cpu")
    count = 3 if args.quick else args.worlds
    seeds = HELD_OUT_SEEDS[:count]
    steps = (1, 2, 5) if args.quick else (1, 2, 5, 10, 20)
    size = 64 if args.quick else args.size
    networks = load_flight_networks(args.weights, device)
    short = evaluate_short_range(ShortRangeConfig(seeds=seeds, size=size, steps=steps), networks)
    report: dict[str, object] = {"held_out_seeds": list(seeds), "size": size, "short_range": short}
    early = [s for s in steps if s <= 5]
    report["psnr_gain_over_telea_steps_1_5_db"] = psnr_gain(short, early)
    report["sharpness_ratio_steps_1_5"] = sharpness_ratio(short, "ours", early)
    depth_net = load_depth_sky(networks.depth_weights, device)
    report["depth"] = evaluate_depth(depth_net, HELD_OUT_SEEDS[: max(count, 3) * 2], size)
    table = short_range_table(short)
    print(table)
    print(f"PSNR gain over warp + Telea (steps 1-5): {report['psnr_gain_over_telea_steps_1_5_db']:+.2f} dB; "
          f"sharpness / truth: {report['sharpness_ratio_steps_1_5']:.2f}; depth AbsRel {report['depth']['abs_rel']:.3f}, "
          f"sky IoU {report['depth']['sky_iou']:.3f}")
    out = Path(args.out)
    write_text_atomic(out / "report.json", json.dumps(report, indent=2))
    write_text_atomic(out / "report.md", table + "\n")
    print(f"wrote {out / 'report.json'} and {out / 'report.md'}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="quality against ground truth on held-out procedural worlds",
        description="Short-range quality (ours vs warp vs warp + Telea) along true trajectories of held-out "
        "procedural worlds, and depth + sky quality. Long-range drift and FID/KID are not built yet (issue #8).",
    )
    parser.add_argument("--weights", default="default", help="weight set name or folder (default: default)")
    parser.add_argument("--worlds", type=positive_int, default=20, help="held-out worlds (default: 20)")
    parser.add_argument("--size", type=positive_int, default=128, help="square frame size (default: 128)")
    parser.add_argument("--quick", action="store_true", help="3 worlds at 64x64, steps 1, 2, 5 (for tests)")
    parser.add_argument("--out", default="eval_report", help="folder for report.json and report.md")
    parser.set_defaults(handler=_run)
