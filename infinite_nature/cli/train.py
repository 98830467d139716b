"""``infinite-nature train {depth,refiner,sky}``: train a network (Lightning), export it for ``generate``."""

from __future__ import annotations

import argparse
import dataclasses
import warnings

from infinite_nature.cli.lightning_logs import quiet_lightning_logs
from infinite_nature.config import add_arguments, merge
from infinite_nature.train.configs import RECIPES, load_yaml_config

SUMMARIES = {
    "depth": "depth + sky network: supervised on exported worlds (or pseudo-labels of a photo folder)",
    "refiner": "refinement generator: cycle consistency on still photos + hinge GAN",
    "sky": "sky dome generator: completes the visible sky of exported world views",
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
    exported = train(args.recipe, config)
    if exported is not None:
        print(f"exported {exported[0]} and {exported[1]}; use them with --weights")
    return 0


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
