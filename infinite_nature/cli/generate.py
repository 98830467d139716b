"""``infinite-nature generate``: photos (or the built-in example) in, flythrough videos out."""

from __future__ import annotations

import argparse
import json
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from infinite_nature.atomic import check_output_folder, write_text_atomic
from infinite_nature.cli.arguments import depth_backend, meander, non_negative_int, positive_float, positive_int, side_length
from infinite_nature.cli.lightning_logs import quiet_lightning_logs
from infinite_nature.depth import BACKEND_NAMES
from infinite_nature.device import DEVICE_CHOICES, resolve_device
from infinite_nature.errors import InfiniteNatureError, UsageError, describe_unexpected
from infinite_nature.generate.choices import DEFAULT_FORMAT, DEFAULT_MAX_PIXELS, FORMATS, MAX_MEANDER, PATHS, PRECISIONS
from infinite_nature.process_group import leave_process_group

if TYPE_CHECKING:
    import torch

    from infinite_nature.generate.run import GenerateOptions


def _path_choice(text: str) -> str:
    if text in PATHS or text.endswith(".json"):
        return text
    raise argparse.ArgumentTypeError(f"--path must be one of {', '.join(PATHS)} or a keyframe FILE.json, got {text!r}")


def _outputs(args: argparse.Namespace, names: list[str]) -> list[Path]:
    from infinite_nature.generate.video import output_kind

    if args.output and len(names) > 1:
        raise UsageError("-o/--output names one file; with several inputs use --output-dir and --format")
    if args.output:
        try:
            kind = output_kind(Path(args.output))
        except InfiniteNatureError as error:
            raise UsageError(str(error)) from None
        if args.output_dir is not None:
            raise UsageError(f"--output-dir {args.output_dir}: -o/--output {args.output} already names the place; give one of them")
        if args.format not in (None, kind):
            raise UsageError(f"--format {args.format}: -o/--output {args.output} asks for {kind} output; give one of them")
        return [Path(args.output)]
    suffix = "" if args.format == "png" else f".{args.format or DEFAULT_FORMAT}"
    return [Path(args.output_dir or ".") / f"{name}{suffix}" for name in names]


def _check_example_flags(args: argparse.Namespace) -> None:
    """The built-in example is a world view with exact depth: input photos or depth options
    beside it would be silently ignored, so they are an error."""
    if args.example and args.inputs:
        raise UsageError("--example flies the built-in view: leave out the input photos, or leave out --example")
    if args.example or not args.inputs:
        given = [flag for flag, default in (("--depth", "builtin"), ("--depth-kind", "disparity"),
                                            ("--depth-weights", None)) if getattr(args, flag[2:].replace("-", "_")) != default]
        if given:
            raise UsageError(f"{', '.join(given)}: the built-in example has its world's exact depth; "
                             "depth options are for input photos")


def _options(args: argparse.Namespace) -> GenerateOptions:
    import torch

    from infinite_nature.generate.run import GenerateOptions

    return GenerateOptions(
        frames=args.frames, fps=args.fps, speed=args.speed, path=args.path, seed=args.seed, meander=args.meander,
        depth=args.depth, depth_kind=args.depth_kind, depth_weights=args.depth_weights, save_depth=args.save_depth,
        save_cameras=args.save_cameras, preview=args.preview, overwrite=args.overwrite, dtype=getattr(torch, args.dtype),
        progress=not args.quiet, photo_detail=not args.no_photo_detail, detail_octaves=not args.no_detail_octaves,
        aerial_perspective=not args.no_aerial_perspective,
    )


def _gathered(results: list[dict], failures: list[tuple[str, str]], names: list[str],
              world_size: int) -> tuple[list[dict], list[tuple[str, str]]]:
    """Every process's results and failures, in input order, so that one summary covers the batch
    (process ``r`` flew inputs ``r``, ``r + world_size``, ...)."""
    import torch.distributed

    parts: list = [None] * world_size
    torch.distributed.all_gather_object(parts, (results, failures))
    order = {name: index for index, name in enumerate(names)}
    merged_results = sorted((r for part in parts for r in part[0]), key=lambda r: order[r["input"]])
    merged_failures = sorted((tuple(f) for part in parts for f in part[1]), key=lambda f: order[f[0]])
    return merged_results, merged_failures


def _run(args: argparse.Namespace) -> int:
    from infinite_nature.generate.inputs import expand_inputs

    options = _options(args)
    if args.path.endswith(".json"):
        from infinite_nature.camera import load_keyframes

        load_keyframes(args.path)  # a bad keyframe file fails before any work
    _check_example_flags(args)
    device = resolve_device(args.device)
    inputs = [] if args.example or not args.inputs else expand_inputs(args.inputs)
    names = [f"example_world{args.example_seed}"] if not inputs else [p.stem for p in inputs]
    if len(set(names)) != len(names):
        raise UsageError("several inputs share a file name; outputs would collide (rename them or run separately)")
    outputs = _outputs(args, names)
    for folder in sorted({str(path.parent) for path in outputs}):
        check_output_folder(folder, f"--output {args.output}" if args.output else f"--output-dir {args.output_dir or '.'}")
    if args.summary:
        check_output_folder(Path(args.summary).parent, f"--summary {args.summary}")
    if args.devices > 1 or args.num_nodes > 1:
        from lightning.fabric import Fabric

        if not args.debug:
            quiet_lightning_logs()
        fabric = Fabric(accelerator="auto" if args.device == "auto" else args.device.split(":")[0],
                        devices=args.devices, num_nodes=args.num_nodes, strategy="ddp")
        fabric.launch()
        try:
            return _fly(args, inputs, names, outputs, options, fabric.device, fabric.global_rank, fabric.world_size)
        finally:
            leave_process_group()
    return _fly(args, inputs, names, outputs, options, device)


def _fly(args: argparse.Namespace, inputs: list[Path], names: list[str], outputs: list[Path], options: GenerateOptions,
         device: torch.device, rank: int = 0, world_size: int = 1) -> int:
    """Fly this process's share of the inputs (``rank``, ``rank + world_size``, ...) and report the
    batch; the exit code."""
    from infinite_nature.generate.inputs import example_frame, load_photo
    from infinite_nature.generate.run import generate_one
    from infinite_nature.generate.weights import load_flight_networks

    networks = load_flight_networks(args.weights, device)
    results, failures = [], []
    for index in range(rank, len(outputs), world_size):
        try:
            first = example_frame(args.example_seed, args.size) if not inputs else load_photo(inputs[index], args.size, args.max_pixels)
            results.append(generate_one(first, outputs[index], networks, options, device))
            print(f"wrote {outputs[index]} ({results[-1]['frames']} frames, {results[-1]['fps']} fps, "
                  f"{results[-1]['recoveries']} auto-pilot recoveries)")
        except Exception as error:  # in a batch, one input's failure (ours or unexpected) leaves the rest to run
            if len(outputs) == 1:
                raise
            if args.debug and not isinstance(error, InfiniteNatureError):
                traceback.print_exc()
            message = (str(error) if isinstance(error, InfiniteNatureError)
                       else f"{inputs[index]}: {describe_unexpected(error)}")  # a batch has input files
            failures.append((names[index], message))
            print(f"failed: {message}")
    if world_size > 1:  # the first process reports for all (one input: it flew it, or raised above)
        if len(outputs) > 1:
            results, failures = _gathered(results, failures, names, world_size)
        if rank != 0:
            return 1 if failures else 0
    if args.summary:
        write_text_atomic(args.summary, json.dumps({"results": results, "failures": failures}, indent=2))
    if len(outputs) > 1:
        print(f"summary: {len(results)} written, {len(failures)} failed")
        for name, error in failures:
            print(f"  {name}: {error}")
    return 1 if failures else 0


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    parser = subparsers.add_parser(
        "generate",
        help=summary,
        description="Fly into photos: one video per input. With no input (or --example) the flight starts from a "
        "built-in procedural-world view, so a fresh install needs no files.",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="photos, folders (recursive, linked folders followed) or globs")
    parser.add_argument("--example", action="store_true", help="fly from the built-in procedural-world view")
    parser.add_argument("--example-seed", type=non_negative_int, default=7, help="world of the example (default: 7)")
    parser.add_argument("-o", "--output", help="output file: .mp4 (default), .webm, .gif, or a folder name for PNG frames")
    parser.add_argument("--output-dir", help="where outputs go when -o is not given (default: .)")
    parser.add_argument("--format", choices=FORMATS, help=f"output format when -o is not given (default: {DEFAULT_FORMAT})")
    parser.add_argument("--frames", type=positive_int, default=120, help="frames per video (default: 120)")
    parser.add_argument("--fps", type=positive_float, default=30.0, help="video frame rate (default: 30)")
    parser.add_argument("--speed", type=positive_float, default=0.015, help="scene units per frame (default: 0.015)")
    parser.add_argument("--path", type=_path_choice, default="autopilot",
                        help="autopilot, straight, orbit, or a keyframe FILE.json (docs/generate.md, 'Camera paths')")
    parser.add_argument("--meander", type=meander, default=0.0,
                        help=f"auto-pilot sideways wander, e.g. 0.2; at most {MAX_MEANDER}, which swings its aim to the "
                        "frame's edge; negative swings the other way first (default: 0)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="latent seed: same seed, same frames (default: 0)")
    parser.add_argument("--size", type=side_length, default=256,
                        help="longer side of the video in pixels; both sides become multiples of 16 (default: 256)")
    parser.add_argument("--max-pixels", type=positive_int, default=DEFAULT_MAX_PIXELS,
                        help=f"refuse larger input photos (default: {DEFAULT_MAX_PIXELS})")
    parser.add_argument("--depth", type=depth_backend, default="builtin", help=f"depth backend: {', '.join(BACKEND_NAMES)} (default: builtin)")
    parser.add_argument("--depth-kind", choices=("disparity", "depth"), default="disparity",
                        help="for --depth file:PATH: whether the map holds disparity or depth (default: disparity)")
    parser.add_argument("--depth-weights", help="local weights for --depth (a checkpoint, hub repo or save_pretrained folder)")
    parser.add_argument("--weights", default="default",
                        help="shipped weight set name, or a folder with refiner/sky_generator(/depth_sky) checkpoints")
    parser.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICE_CHOICES)} (default: auto)")
    parser.add_argument("--dtype", choices=PRECISIONS, default="float32", help="network precision (default: float32)")
    parser.add_argument("--devices", type=positive_int, default=1, help="GPUs per node for a batch, via Lightning Fabric")
    parser.add_argument("--num-nodes", type=positive_int, default=1, help="nodes for a batch, via Lightning Fabric")
    parser.add_argument("--save-depth", action="store_true", help="also write a depth (disparity) video NAME_depth")
    parser.add_argument("--save-cameras", action="store_true", help="also write NAME_transforms.json (nerfstudio/instant-ngp)")
    parser.add_argument("--preview", action="store_true", help="also write NAME_preview: input | depth | frame side by side")
    parser.add_argument("--no-photo-detail", action="store_true",
                        help="read only the --size image, not the photo's own finer pixels, where the flight "
                             "magnifies it (about 15%% faster on photos; docs/generate.md)")
    parser.add_argument("--no-detail-octaves", action="store_true",
                        help="add no texture finer than the source where the flight magnifies past it (docs/generate.md)")
    parser.add_argument("--no-aerial-perspective", action="store_true",
                        help="keep ground in the haze it was first seen through as the camera nears it (docs/generate.md)")
    parser.add_argument("--summary", help="write a JSON summary of the run (fps, recoveries, failures) here")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_run)
