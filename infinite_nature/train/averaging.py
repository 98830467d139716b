"""One network from the checkpoints of a run's later part (stochastic weight averaging).

A run at a high learning rate ends wherever its last steps left it; the mean of the weights
it passed through from mid-run on lies nearer the middle of that stretch of the loss
landscape, which generalises better (Izmailov et al., 2018). The depth recipe's shipped run
(14 000 steps, lr 1e-3 cosine) averaged over its checkpoints from step 7000: AbsRel on the
140 held-out and validation views 0.1293 -> 0.1265, the wide-range views 0.381 -> 0.355
(model card, History). Running statistics (BatchNorm) are averaged like the weights:
recomputed on training views instead, they came out worse there.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from infinite_nature.errors import UsageError
from infinite_nature.models.checkpoint import checkpoint_paths, load_checkpoint, read_checkpoint_config, save_checkpoint
from infinite_nature.torch_files import load_torch_file
from infinite_nature.train.configs import RECIPES
from infinite_nature.train.modules import MODULES, OPTIMIZERS_PER_STEP
from infinite_nature.train.runner import EXPORT_NAMES

STEP_FILE = re.compile(r"step(\d+)\.ckpt")  # what the runner's ModelCheckpoint names them


def step_checkpoints(run: Path) -> tuple[str, dict[int, Path]]:
    """A run's recipe and its step checkpoints by training step (batches: the files are named by
    optimizer steps, ``OUT/checkpoints/stepN.ckpt``, two per batch in the GAN recipes)."""
    folder = run / "checkpoints"
    if not folder.is_dir():
        raise UsageError(f"{run}: no checkpoints folder (give a training run's --out folder)")
    found = {int(m.group(1)): path for path in folder.iterdir() if (m := STEP_FILE.fullmatch(path.name))}
    if not found:
        raise UsageError(f"{folder}: no stepN.ckpt checkpoints in it")
    last = found[max(found)]
    recipe = _recipe_of(_read(last), last)
    return recipe, {step // OPTIMIZERS_PER_STEP[recipe]: found[step] for step in sorted(found)}


def _read(path: Path) -> dict:
    checkpoint = load_torch_file(path, str(path), "training checkpoint", UsageError)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), dict):
        raise UsageError(f"{path}: not a Lightning training checkpoint")
    return checkpoint


def _recipe_of(checkpoint: dict, path: Path) -> str:
    """The recipe a Lightning checkpoint of this project was trained by (its config's class name)."""
    name = (checkpoint.get("hyper_parameters") or {}).get("recipe")
    for recipe, config_class in RECIPES.items():
        if config_class.__name__ == name:
            return recipe
    raise UsageError(f"{path}: not a checkpoint of an infinite-nature training run (no recipe in it)")


def average_run(run: Path, first_step: int, last_step: int | None, out: Path) -> tuple[Path, Path]:
    """Average the exported network's weights over the run's checkpoints from training step
    ``first_step`` to ``last_step`` (default: the last) into ``out`` (project format, the run's
    export's training record with an ``averaged`` entry); returns the weights and config paths."""
    recipe, found = step_checkpoints(run)
    chosen = {step: path for step, path in found.items()
              if step >= first_step and (last_step is None or step <= last_step)}
    if len(chosen) < 2:
        raise UsageError(f"{run}: {len(chosen)} checkpoint(s) between steps {first_step} and "
                         f"{'the last' if last_step is None else last_step}; an average needs two or more")
    name = EXPORT_NAMES[recipe]
    export = run / "export" / name
    if not checkpoint_paths(export)[0].is_file():
        raise UsageError(f"{export}.safetensors: missing (the run's export gives the network's configuration; "
                         "let the run finish, or resume it)")
    prefix = MODULES[recipe].network_attribute + "."
    total: dict[str, torch.Tensor] = {}
    for path in chosen.values():
        checkpoint = _read(path)
        if (this_recipe := _recipe_of(checkpoint, path)) != recipe:
            raise UsageError(f"{path}: a {this_recipe} checkpoint among {recipe} ones")
        state = {k[len(prefix):]: v for k, v in checkpoint["state_dict"].items() if k.startswith(prefix)}
        if total and state.keys() != total.keys():
            raise UsageError(f"{path}: its network's tensors differ from the first chosen checkpoint's")
        for key, tensor in state.items():  # counts (BatchNorm's batches seen) are the last checkpoint's
            total[key] = total.get(key, 0) + tensor.double() if tensor.is_floating_point() else tensor
    network = load_checkpoint(export, network=name)
    reference = network.state_dict()
    network.load_state_dict({k: (v / len(chosen)).to(reference[k].dtype) if v.is_floating_point() else v
                             for k, v in total.items()})
    training = dict(read_checkpoint_config(export).get("training") or {})
    training.pop("held_out_metrics", None)  # the run's last step's, not the average's
    steps = list(chosen)
    training["averaged"] = {"checkpoints": len(steps), "from_step": steps[0], "to_step": steps[-1]}
    return save_checkpoint(network, out / name, training=training)
