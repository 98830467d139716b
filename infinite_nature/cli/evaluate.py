"""``infinite-nature eval``: how good, how fast it degrades, measured the same way every time.

Short range against ground truth (ours vs warp-only vs warp + Telea inpainting along true
trajectories of held-out procedural worlds), long range (auto-pilot flights: sharpness,
colour drift, sky fraction, flicker, NaN/inf, recoveries, and for world flights the world's
own view at the flown poses), depth + sky quality, and FID/KID by step range when Inception
weights are given locally.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from infinite_nature.atomic import check_output_folder, write_text_atomic
from infinite_nature.cli.arguments import depth_backend, positive_int, side_length
from infinite_nature.device import resolve_device
from infinite_nature.errors import UsageError

MAX_WORLDS, MAX_FLIGHTS = 100, 50  # short range takes a seed set's first worlds, long range starts at its 51st
REPORT_PARTS = ("report.json", "report.md", "plots", "sheets")  # what a report writes in --out


def _mean(values: list[float]) -> float:
    return sum(values) / max(len(values), 1)


def _run(args: argparse.Namespace) -> int:
    import torch

    from infinite_nature.depth.builtin import load_depth_sky
    from infinite_nature.evaluate.depth import evaluate_depth
    from infinite_nature.evaluate.figures import contact_sheet, plot_series
    from infinite_nature.evaluate.long_range import TRUTH_KEYS, LongRangeConfig, evaluate_long_range
    from infinite_nature.evaluate.photo_sky import evaluate_photo_sky, judged_photos
    from infinite_nature.evaluate.report import psnr_gain, sharpness_ratio, short_range_table, worlds_line
    from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS, VALIDATION_SEEDS, ShortRangeConfig, evaluate_short_range
    from infinite_nature.evaluate.sky import evaluate_sky_generator
    from infinite_nature.generate.inputs import expand_inputs, load_photo
    from infinite_nature.generate.run import GenerateOptions, photo_depth_backend, prepare_first_frame
    from infinite_nature.generate.weights import load_flight_networks

    if args.worlds > MAX_WORLDS or args.flights > MAX_FLIGHTS:
        raise UsageError(f"--worlds is at most {MAX_WORLDS} and --flights at most {MAX_FLIGHTS} "
                         "(the seed set's short-range worlds and long-range starts)")
    if not args.photos and (args.depth != "builtin" or args.depth_weights):
        raise UsageError("--depth and --depth-weights choose the depth of --photos; give --photos FOLDER too "
                         "(held-out worlds are flown with their exact depth)")
    device = resolve_device("cpu")
    out = Path(args.out)
    check_output_folder(out, f"--out {out}")
    earlier = [name for name in REPORT_PARTS if (out / name).exists()]
    if earlier and not args.overwrite:
        raise UsageError(f"--out {out} holds a report ({', '.join(earlier)}); pass --overwrite to replace it, "
                         "or give another --out")
    quick = args.quick
    size = 64 if quick else args.size
    networks = load_flight_networks(args.weights, device)
    inception = None
    if args.inception_weights:  # checked before any long work
        from infinite_nature.evaluate.realism import InceptionFeatures

        inception = InceptionFeatures(args.inception_weights)
    photos, sky_photos = [], []  # before any long work too: a bad photo, mask or depth backend fails at once
    if args.photos:
        options = GenerateOptions(depth=args.depth, depth_weights=args.depth_weights)
        paths = expand_inputs([args.photos])
        for path in paths:
            photos.append(prepare_first_frame(load_photo(path, size), options, networks, device))
        sky_photos = judged_photos(paths)
    seeds = HELD_OUT_SEEDS if args.seed_set == "held-out" else VALIDATION_SEEDS
    report: dict[str, object] = {"weights": args.weights, "size": size, "quick": quick, "seed_set": args.seed_set}

    progress = not args.quiet
    short_config = ShortRangeConfig(seeds=seeds[: 3 if quick else args.worlds], size=size,
                                    steps=(1, 2, 5) if quick else (1, 2, 5, 10, 20), progress=progress)
    short, short_by_world = evaluate_short_range(short_config, networks)
    early = [s for s in short_config.steps if s <= 5]
    report |= {"short_range_seeds": list(short_config.seeds), "short_range": short, "short_range_by_world": short_by_world,
               "psnr_gain_over_telea_steps_1_5_db": psnr_gain(short, early),
               "sharpness_ratio_steps_1_5": sharpness_ratio(short, "ours", early)}
    report["depth"] = evaluate_depth(load_depth_sky(networks.depth_weights, device), seeds[: 6 if quick else 40], size,
                                     progress)
    report["sky_dome"] = evaluate_sky_generator(networks.sky, seeds[: 6 if quick else 40], size, progress)
    if sky_photos:
        backend = photo_depth_backend(options, networks, device)
        report["photo_sky"] = evaluate_photo_sky(lambda rgb: backend.estimate(rgb.to(device)).sky, sky_photos,
                                                 progress=progress)

    long_config = LongRangeConfig(seeds=seeds[50 : 51 if quick else 50 + args.flights],
                                  steps=30 if quick else args.steps, size=size, sheet_every=10 if quick else 50,
                                  truth_every=10 if quick else 25, progress=progress)
    records = evaluate_long_range(long_config, networks, photos)
    report["long_range"] = {
        r.name: {"recoveries": r.recoveries, "frames_under_ground": r.failures, "nonfinite_total": sum(r.series["nonfinite"]),
                 "final": {k: v[-1] for k, v in r.series.items()},
                 "mean": {k: _mean(v) for k, v in r.series.items()}, "series": r.series,
                 "truth": r.truth, "truth_mean": {k: _mean([t[k] for t in r.truth.values()]) for k in TRUTH_KEYS} if r.truth else None}
        for r in records
    }
    for name in ("plots", "sheets"):  # an earlier report's figures go (--overwrite), or flights it had and this lacks stay
        shutil.rmtree(out / name, ignore_errors=True)
    figures = plot_series(records, out / "plots")
    for record in records:
        contact_sheet(record, out / "sheets" / f"{record.name}.jpg")

    if inception is not None:
        from infinite_nature.evaluate.realism import fid_kid_by_range
        from infinite_nature.world import World

        real_seeds = seeds[60 : 64 if quick else 90]
        real_worlds = [World(s) for s in real_seeds]
        real = torch.cat([w.render(w.sample_camera(size, size)).rgb for w in real_worlds])
        generated: dict[int, list] = {}
        for record in records:
            for step, frame in record.early.items():
                generated.setdefault(step, []).append(torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255)
        report["realism"] = fid_kid_by_range(real, {k: torch.cat(v) for k, v in generated.items()}, inception)
    else:
        report["realism"] = "skipped: FID/KID need Inception-v3 weights; pass --inception-weights PATH (nothing is downloaded)"
        print(f"realism: {report['realism']}")

    table = short_range_table(short)
    long_lines = ["| flight | recoveries | frames under ground | NaN/inf | final sharpness | final Lab drift | mean flicker | final sky "
                  "| vs truth: coarse PSNR / Lab error |",
                  "|---|---|---|---|---|---|---|---|---|"]
    for name, item in report["long_range"].items():
        f, m, t = item["final"], item["mean"], item["truth_mean"]
        versus = f"{t['coarse_psnr']:.2f} dB / {t['coarse_lab_error']:.2f}" if t else "no truth"
        long_lines.append(f"| {name} | {item['recoveries']} | {item['frames_under_ground']} | {item['nonfinite_total']:.0f} | {f['sharpness']:.2e} | "
                          f"{f['drift_lab_mean']:.2f} | {m['flicker']:.4f} | {f['sky_fraction']:.2f} | {versus} |")
    with_truth = [item["truth_mean"] for item in report["long_range"].values() if item["truth_mean"]]
    if with_truth:
        report["long_range_vs_truth"] = {k: _mean([t[k] for t in with_truth]) for k in TRUTH_KEYS}
        long_lines += ["", f"long flights against the world at the flown poses (every {long_config.truth_every} steps, 4x4 averaged): "
                           f"coarse PSNR {report['long_range_vs_truth']['coarse_psnr']:.2f} dB, "
                           f"Lab error {report['long_range_vs_truth']['coarse_lab_error']:.2f} (mean of {len(with_truth)} flights)"]
    summary = (f"{args.seed_set} worlds: PSNR gain over warp + Telea (steps 1-5): {report['psnr_gain_over_telea_steps_1_5_db']:+.2f} dB; "
               f"sharpness / truth: {report['sharpness_ratio_steps_1_5']:.2f}; depth AbsRel {report['depth']['abs_rel']:.3f} "
               f"(median {report['depth']['abs_rel_median']:.3f}), sky IoU {report['depth']['sky_iou']:.3f}; "
               f"sky generator: L1 to the dome where the view showed no sky {report['sky_dome']['unseen_sky_l1']:.3f}")
    if sky_photos:
        summary += (f"; photos' sky IoU against their hand-made masks {report['photo_sky']['iou']:.3f} "
                    f"({len(sky_photos)} photos, depth {args.depth})")
    markdown = "\n".join([table, "", worlds_line(short_by_world), "", summary, "", *long_lines, ""])
    print(markdown)
    write_text_atomic(out / "report.json", json.dumps(report, indent=2))
    write_text_atomic(out / "report.md", markdown)
    print(f"wrote {out / 'report.json'}, {out / 'report.md'}, {len(figures)} plots and {len(records)} contact sheets")
    return 0


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    parser = subparsers.add_parser(
        "eval",
        help=summary,
        description="Evaluate on held-out procedural worlds (seeds 5000-5099, never used for training): short-range "
        "quality vs baselines, long-range drift and distance from the truth, depth + sky, and FID/KID when Inception "
        "weights are given. Choose designs on --seed-set validation (seeds 6000-6099) and report on the held-out set.",
    )
    parser.add_argument("--weights", default="default", help="weight set name or folder (default: default)")
    parser.add_argument("--seed-set", choices=("held-out", "validation"), default="held-out",
                        help="worlds to evaluate on: held-out (seeds 5000-5099, for reports) or validation (6000-6099, "
                        "for choosing designs) (default: held-out)")
    parser.add_argument("--worlds", type=positive_int, default=20, help=f"short-range worlds, at most {MAX_WORLDS} (default: 20)")
    parser.add_argument("--flights", type=positive_int, default=4, help=f"long-range flights, at most {MAX_FLIGHTS} (default: 4)")
    parser.add_argument("--steps", type=positive_int, default=500, help="steps per long-range flight (default: 500)")
    parser.add_argument("--photos", help="also fly from every photo in this folder (long range, no ground truth); "
                        "photos with a hand-made sky mask (NAME.sky.png beside NAME.jpg) also measure the sky mask")
    parser.add_argument("--depth", type=depth_backend, default="builtin", help="depth backend for --photos (default: builtin)")
    parser.add_argument("--depth-weights", help="local weights for --depth (a checkpoint, hub repo or save_pretrained folder)")
    parser.add_argument("--size", type=side_length, default=128, help="square frame size (default: 128)")
    parser.add_argument("--inception-weights", help="local torchvision Inception-v3 weights (.pth) for FID/KID")
    parser.add_argument("--quick", action="store_true", help="a tiny run for tests: 3 worlds at 64x64, a 30-step flight")
    parser.add_argument("--out", default="eval_report", help="folder for report.json, report.md, plots/ and sheets/")
    parser.add_argument("--overwrite", action="store_true", help="replace a report already in --out (refused without it)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=_run)
