"""``infinite-nature train {depth,refiner,sky}``: train a network (Lightning), export it for ``generate``;
``train average``: one network from the checkpoints of a run's later part;
``train promote``: replace shipped weights with an export where held-out metrics improve."""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

from infinite_nature.atomic import check_output_folder
from infinite_nature.cli.lightning_logs import quiet_lightning_logs
from infinite_nature.config import add_arguments, merge
from infinite_nature.process_group import leave_process_group
from infinite_nature.train.configs import RECIPES, load_yaml_config

SUMMARIES = {
    "depth": "depth + sky network: supervised on exported worlds (or pseudo-labels of a photo folder)",
    "refiner": "refinement generator: cycle consistency on still photos + hinge GAN",
    "sky": "sky dome generator: completes world views' domes, or the side of a photo's sky it is not shown",
}


def _run(args: argparse.Namespace) -> int:
    from infinite_nature.train.runner import train

    config_class = RECIPES[args.recipe]
    names = {f.name for f in dataclasses.fields(config_class)}
    layers = [load_yaml_config(args.config, config_class)] if args.config else []
    layers.append({k: v for k, v in vars(args).items() if k in names})
    config = merge(config_class, layers)
    if not args.debug:
        quiet_lightning_logs()
        warnings.filterwarnings("ignore", message=".*ModelCheckpoint with manual optimization.*")
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        # Lightning's own use of a torch API that torch 2.14 deprecates: nothing a user can act on
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated.*")
    try:
        exported = train(args.recipe, config)
    finally:  # with --devices N on the CPU: Gloo's threads otherwise abort the process at exit
        leave_process_group()
    if exported is not None:
        print(f"exported {exported[0]} and {exported[1]}; use them with --weights")
    return 0


def _average(args: argparse.Namespace) -> int:
    from infinite_nature.errors import UsageError
    from infinite_nature.train.averaging import average_run

    run = Path(args.run)
    out = Path(args.out) if args.out else run / "export-averaged"
    if args.from_step < 0 or (args.to_step is not None and args.to_step < args.from_step):
        raise UsageError(f"--from-step {args.from_step} --to-step {args.to_step}: need 0 <= from <= to")
    existing = [p for p in out.glob("*") if p.suffix in (".safetensors", ".json")] if out.is_dir() else []
    if existing and not args.overwrite:
        raise UsageError(f"--out {out} holds {existing[0].name}; pass --overwrite to replace it")
    check_output_folder(out, f"--out {out}")
    weights, config = average_run(run, args.from_step, args.to_step, out)
    print(f"wrote {weights} and {config}; measure it with: infinite-nature train promote {out} --dry-run")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from infinite_nature.evaluate.photo_sky import sky_photos_option
    from infinite_nature.train.promotion import Measures, candidate_networks, compare, promote

    from infinite_nature.generate.weights import DEFAULT_SET
    from infinite_nature.models.pretrained import WEIGHTS_ROOT

    candidate, into = Path(args.export), Path(args.into or WEIGHTS_ROOT / DEFAULT_SET)
    networks = candidate_networks(candidate, into)  # usage errors before any measuring
    sky_photos = sky_photos_option(args.photos, "--photos", required=True) if "depth_sky" in networks else ()
    if not args.dry_run:
        check_output_folder(into, f"--into {into}")
    measures = Measures.quick(sky_photos) if args.quick else Measures(sky_photos=sky_photos)
    verdicts = compare(candidate, into, measures, progress=not args.quiet)
    for verdict in verdicts:
        if not verdict.improved:
            print(f"kept the current {verdict.network}: {verdict.reason}")
        elif args.dry_run:
            print(f"would promote {verdict.network} (--dry-run): {verdict.reason}")
        else:
            written = promote(verdict, candidate, into)
            print(f"promoted {verdict.network}: {verdict.reason}; wrote {', '.join(str(p) for p in written)}")
    if any(v.improved for v in verdicts) and not args.dry_run:
        print("update the model card's tables of what ships and its held-out metrics by hand (the history row is in)")
    return 0 if any(v.improved for v in verdicts) else 1


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    parser = subparsers.add_parser(
        "train",
        help=summary,
        description="Train a network on a photo folder (--data) or exported procedural worlds (--worlds). "
        "Recipe values come from --config YAML (configs/train/*.yaml); flags override them.",
    )
    recipes = parser.add_subparsers(dest="recipe", metavar="RECIPE", required=True)
    for name, config_class in RECIPES.items():
        recipe = recipes.add_parser(name, help=SUMMARIES[name], description=SUMMARIES[name] + ".")
        recipe.add_argument("--config", help="recipe YAML file; its values sit between defaults and flags")
        add_arguments(recipe, config_class, suppress_defaults=True)
        recipe.set_defaults(handler=_run)
    average = recipes.add_parser(
        "average", help="one network from the checkpoints of a run's later part (stochastic weight averaging)",
        description="Average the exported network's weights over RUN/checkpoints/stepN.ckpt from --from-step "
        "on (BatchNorm statistics averaged too) and write it in the project's format with the run's training "
        "record, to be measured and shipped by 'train promote'. A run at a high learning rate ends wherever its "
        "last steps left it; the mean of the weights it passed through generalises better.",
    )
    average.add_argument("run", metavar="RUN", help="a training run's --out folder (its checkpoints and export)")
    average.add_argument("--from-step", type=int, required=True, help="first checkpoint's step (e.g. half the run)")
    average.add_argument("--to-step", type=int, help="last checkpoint's step (default: the run's last)")
    average.add_argument("--out", help="folder for the averaged network (default: RUN/export-averaged)")
    average.add_argument("--overwrite", action="store_true", help="replace a network already in --out")
    average.set_defaults(handler=_average)
    promote = recipes.add_parser(
        "promote", help="replace shipped weights with a run's export where held-out metrics improve",
        description="Measure each network in EXPORT and the one it would replace on held-out procedural worlds "
        "(depth: AbsRel on 140 views, and sky IoU there and on --photos; refiner: PSNR over warp + Telea at "
        "steps 1-5 and sharpness on 20 worlds; sky generator: L1 to the world's dome where the view showed no "
        "sky, 40 views), compared "
        "view by view (world by world), and replace only those that improve by more than the standard error "
        "of the change, adding a row to the model card's history. Exit code 0 when at least one network "
        "improved, 1 when none did.",
    )
    promote.add_argument("export", metavar="EXPORT", help="a training run's OUT/export folder (or any folder of checkpoints)")
    promote.add_argument("--into", help="the weights folder to update (default: the package's shipped default set)")
    promote.add_argument("--photos", help="photos with hand-made sky masks (NAME.sky.png beside NAME.jpg) on which a "
                         "depth network's sky IoU may not fall (default: the repository's examples/photos)")
    promote.add_argument("--dry-run", action="store_true", help="measure and report; replace nothing")
    promote.add_argument("--quick", action="store_true", help="a few small views (tests); the verdicts say nothing of quality")
    promote.add_argument("--quiet", action="store_true", help="no progress bars")
    promote.set_defaults(handler=_promote)
