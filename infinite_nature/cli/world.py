"""``infinite-nature world``: render procedural worlds, or export them as training data."""

from __future__ import annotations

import argparse
from pathlib import Path

from infinite_nature.atomic import check_output_folder
from infinite_nature.cli.arguments import image_size, non_negative_int, positive_float, positive_int
from infinite_nature.errors import UsageError


def _check_output(path: Path, overwrite: bool) -> None:
    check_output_folder(path.parent, str(path))
    if path.exists() and not overwrite:
        raise UsageError(f"{path} exists; pass --overwrite to replace it")
    if path.exists() and path.is_dir():
        raise UsageError(f"{path} is a folder, not a file")


def _numbered(path: Path, index: int | None) -> Path:
    return path if index is None else path.with_name(f"{path.stem}_{index:04d}{path.suffix}")


def _run_render(args: argparse.Namespace) -> int:
    from infinite_nature.data.writer import image_format, write_image, write_json, write_png16
    from infinite_nature.world import World

    height, width = args.size
    outputs = {"image": Path(args.output), "depth": args.depth and Path(args.depth), "sky": args.sky and Path(args.sky)}
    try:
        image_format(outputs["image"])
        if outputs["sky"]:
            image_format(outputs["sky"])
    except ValueError as error:
        raise UsageError(str(error)) from None
    if outputs["depth"] and outputs["depth"].suffix.lower() != ".png":
        raise UsageError(f"--depth must be a .png file (16-bit disparity), got {outputs['depth']}")
    frames = None if args.trajectory is None else list(range(args.trajectory + 1))
    for path in filter(None, outputs.values()):
        for index in frames or [None]:
            _check_output(_numbered(path, index), args.overwrite)
    cameras_path = outputs["image"].with_name(outputs["image"].stem + "_cameras.json")
    if frames is not None:
        _check_output(cameras_path, args.overwrite)

    world = World(args.seed)
    try:
        start = world.sample_camera(height, width, index=args.view)
    except RuntimeError as error:
        raise UsageError(f"{error}; try another --seed or --view") from None
    cameras = [start] if frames is None else world.trajectory(start, args.trajectory, step_length=args.step)
    records = []
    for index, view in zip(frames or [None], world.render_path(cameras)):
        write_image(_numbered(outputs["image"], index), view.rgb_uint8())
        if outputs["depth"]:
            write_png16(_numbered(outputs["depth"], index), view.disparity[0, 0].numpy())
        if outputs["sky"]:
            write_image(_numbered(outputs["sky"], index), (view.sky[0, 0].numpy() * 255).astype("uint8"))
        records.append(view.camera.to_dict() | {"scene_scale": view.scale})
    if frames is not None:
        write_json(cameras_path, {"world_seed": args.seed, "frames": records})
    written = len(cameras)
    print(f"world {args.seed} ({world.params.time_of_day}): wrote {written} view{'s' if written > 1 else ''} "
          f"at {width}x{height} to " + (str(outputs["image"]) if frames is None else
                                        f"{_numbered(outputs['image'], 0)} ... {_numbered(outputs['image'], frames[-1]).name} "
                                        f"and {cameras_path.name}"))
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from infinite_nature.world.export import export_worlds

    height, width = args.size
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    check_output_folder(out, f"--out {out}")
    summary = export_worlds(out, args.count, height, width, start_seed=args.start_seed, progress=not args.quiet,
                            path_steps=args.path_steps, step_length=args.step_length, workers=args.workers)
    path_note = f" with {args.path_steps} path step(s) each" if args.path_steps else ""
    print(
        f"exported {summary.written} new view(s){path_note} to {out} ({summary.skipped_existing} already there, "
        f"{summary.failed} failed) in {summary.seconds:.1f} s"
    )
    return 1 if summary.failed else 0


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    world = subparsers.add_parser(
        "world",
        help=summary,
        description=(
            "Render a view of a procedural nature world with exact depth and sky mask. "
            "'world export' writes a training collection instead."
        ),
    )
    world.add_argument("--seed", type=non_negative_int, default=7, help="world seed (default: 7)")
    world.add_argument("--view", type=non_negative_int, default=0, help="which start camera of the world (default: 0)")
    world.add_argument("--size", type=image_size, default=(512, 512), help="WIDTHxHEIGHT (default: 512x512)")
    world.add_argument("-o", "--output", default="scene.png", help="colour image, .png/.jpg/.webp (default: scene.png)")
    world.add_argument("--depth", help="also write normalised disparity as a 16-bit .png (value / 65535)")
    world.add_argument("--sky", help="also write the sky mask (255 = sky) as an image")
    world.add_argument(
        "--trajectory", type=non_negative_int, metavar="N",
        help="render N more views flying forward: NAME_0000.png ... plus NAME_cameras.json",
    )
    world.add_argument("--step", type=positive_float, default=4.0, help="metres per trajectory step (default: 4)")
    world.add_argument("--overwrite", action="store_true", help="replace existing output files")
    world.set_defaults(handler=_run_render)
    actions = world.add_subparsers(dest="action", metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write N views as a training collection (jpg + depth + sky + camera)",
        description=(
            "Write views of worlds start-seed .. start-seed+count-1 as NAME.jpg with NAME.depth.npy "
            "(metric depth, inf = sky), NAME.sky.png and NAME.camera.json. Resumable: existing views are skipped."
        ),
    )
    export.add_argument("--count", type=positive_int, required=True, help="number of views")
    export.add_argument("--out", required=True, help="output folder")
    export.add_argument("--size", type=image_size, default=(256, 256), help="WIDTHxHEIGHT (default: 256x256)")
    export.add_argument("--start-seed", type=non_negative_int, default=0, help="first world seed (default: 0)")
    export.add_argument("--path-steps", type=non_negative_int, default=0,
                        help="also write the true views 1..N steps along each start view's flight path "
                        "(pairs for 'train refiner --mode trajectory'; default: 0)")
    export.add_argument("--step-length", type=positive_float, default=3.0, help="metres per path step (default: 3)")
    export.add_argument("--workers", type=non_negative_int, default=0,
                        help="render in N processes of one thread each, e.g. one per core (default: 0, this process)")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=_run_export)
