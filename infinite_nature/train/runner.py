"""Running a recipe: Lightning Trainer, logs, resumable checkpoints, and the export for ``generate``."""

from __future__ import annotations

import logging
import math
import platform
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

import lightning as L
import timm
import torch
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_only
from lightning.pytorch.utilities.exceptions import MisconfigurationException, SIGTERMException

from infinite_nature.atomic import check_output_folder
from infinite_nature.config import check_bounds
from infinite_nature.errors import Terminated, UsageError
from infinite_nature.torch_files import load_torch_file
from infinite_nature.train.configs import TrainConfig
from infinite_nature.train.datamodule import CollectionDataModule
from infinite_nature.train.modules import MODULES, OPTIMIZERS_PER_STEP, TrajectoryRefinerModule

logger = logging.getLogger(__name__)

EXPORT_NAMES = {"depth": "depth_sky", "refiner": "refiner", "sky": "sky_generator"}
RUN_PARTS = ("checkpoints", "export", "samples", "logs", "tensorboard")  # what a run writes in --out


def previous_run(config: TrainConfig) -> list[Path]:
    """The parts of an earlier run in --out that a new run would mix with or overwrite (its
    export, its last.ckpt); refused without --overwrite, unless --resume continues a run. Other
    processes of a several-device run leave this to the first (they start after it wrote there)."""
    if config.resume or rank_zero_only.rank != 0:
        return []
    parts = [Path(config.out) / part for part in RUN_PARTS if (Path(config.out) / part).exists()]
    if parts and not config.overwrite:
        raise UsageError(f"--out {config.out} holds a run already ({', '.join(p.name for p in parts)}): give another "
                         f"--out, continue it with --resume {Path(config.out) / 'checkpoints' / 'last.ckpt'}, or "
                         "replace it with --overwrite")
    return parts


def _devices(text: str) -> int | str | list[int]:
    """--devices: a count, 'auto', or a comma list of device indices."""
    if text == "auto":
        return text
    try:
        if "," in text:
            return [int(part) for part in text.split(",") if part.strip()]
        return int(text)
    except ValueError:
        raise UsageError(f"--devices must be a number, 'auto' or a list of device indices like 0,1, "
                         f"got {text!r}") from None


class BatchProgressBar(TQDMProgressBar):
    """A bar that counts the run's batches up to --max-steps, a resumed run's from where it
    stopped. Lightning's counts optimiser steps in its total, two a batch in the GAN recipes
    (their bar ended at 50%, with twice the time to go), and lost its total after --resume."""

    def __init__(self, optimizers_per_step: int) -> None:
        super().__init__(refresh_rate=1)
        self.optimizers_per_step = optimizers_per_step

    def _batches_done(self, trainer: L.Trainer) -> int:
        return trainer.global_step // self.optimizers_per_step

    @property
    def total_train_batches(self) -> int | float:
        trainer = self.trainer
        return min(trainer.num_training_batches, math.ceil(trainer.max_steps / self.optimizers_per_step))

    def on_train_epoch_start(self, trainer: L.Trainer, *args) -> None:
        super().on_train_epoch_start(trainer, *args)
        self.train_progress_bar.initial = self._batches_done(trainer)  # the ETA counts this run's batches only
        self.train_progress_bar.n = self._batches_done(trainer)

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs, batch,
                           batch_index: int) -> None:
        super().on_train_batch_end(trainer, module, outputs, batch, self._batches_done(trainer) - 1)


def build_trainer(recipe: str, config: TrainConfig) -> L.Trainer:
    per_step = OPTIMIZERS_PER_STEP[recipe]
    out = Path(config.out)
    checkpoints = ModelCheckpoint(
        dirpath=out / "checkpoints", filename="step{step}", save_last=True, save_top_k=-1,
        every_n_train_steps=config.checkpoint_every * per_step, auto_insert_metric_name=False,
    )
    callbacks = [checkpoints]
    if config.progress:
        callbacks.append(BatchProgressBar(per_step))
    validating = config.validate_every > 0  # 0: never
    settings = dict(accelerator=config.accelerator, devices=_devices(config.devices), strategy=config.strategy,
                    num_nodes=config.num_nodes, precision=config.precision)
    try:
        return L.Trainer(
            **settings,
            max_steps=config.max_steps * per_step,
            max_time=timedelta(minutes=config.max_minutes) if config.max_minutes > 0 else None,
            logger=[CSVLogger(out, name="logs"), TensorBoardLogger(out, name="tensorboard")],
            callbacks=callbacks,
            log_every_n_steps=config.log_every,
            val_check_interval=min(config.validate_every, config.max_steps) if validating else config.max_steps,
            check_val_every_n_epoch=None,
            limit_val_batches=4 if validating else 0,
            num_sanity_val_steps=0,
            enable_progress_bar=config.progress,
            enable_model_summary=False,
            fast_dev_run=config.fast_dev_run,
        )
    except (MisconfigurationException, ValueError, TypeError, ImportError) as error:
        # Lightning checks these five against the machine (no GPU, an unknown strategy or
        # precision, a backend not installed): its words, but as a bad command line.
        flags = " ".join(f"--{name.replace('_', '-')} {getattr(config, name)}" for name in settings)
        raise UsageError(f"Lightning cannot train with {flags}: {error}") from None


def check_resume_checkpoint(path: str, module: L.LightningModule) -> None:
    """Refuse, before any work, a --resume file that is not a training checkpoint of this recipe
    (Lightning would fail deep inside ``fit`` with an unpickling or state-dict error)."""
    checkpoint = load_torch_file(path, f"--resume {path}", "training checkpoint", UsageError)
    if not isinstance(checkpoint, dict) or not {"state_dict", "global_step"} <= set(checkpoint):
        raise UsageError(f"--resume {path}: not a training checkpoint (those are OUT/checkpoints/*.ckpt)")
    if set(checkpoint["state_dict"]) != set(module.state_dict()):
        raise UsageError(f"--resume {path}: a checkpoint of another recipe or network architecture")


def _reraise_interruption(stop: SystemExit, out: Path) -> NoReturn:
    """Lightning ends a fit stopped by Ctrl+C or SIGTERM (``errors.Terminated``) with a silent
    ``exit(1)`` after its teardown, and a SIGTERM its loop noticed before our handler's exception
    surfaced with ``SIGTERMException``, an exit with code 0; raise the interruption itself
    instead, so the command says what happened with its exit code, and say where to resume from."""
    interruption = Terminated() if isinstance(stop, SIGTERMException) else stop.__context__
    if not isinstance(interruption, KeyboardInterrupt):
        raise stop
    last = out / "checkpoints" / "last.ckpt"
    if last.is_file():
        print(f"infinite-nature train: stopped; the last checkpoint, to go on with --resume: {last}", file=sys.stderr)
    raise interruption from None


def train(recipe: str, config: TrainConfig) -> tuple[Path, Path] | None:
    """Train ``recipe`` ('depth', 'refiner' or 'sky'); returns the exported weights + config paths
    (None in the other processes of a several-device run: the first one exports)."""
    if recipe not in MODULES:
        raise UsageError(f"unknown recipe {recipe!r}; one of {', '.join(MODULES)}")
    check_bounds(config)
    encoder = getattr(config, "encoder", None)  # only the depth recipe has one
    if encoder is not None and not timm.is_model(encoder):
        raise UsageError(f"--encoder {encoder}: timm has no such model (timm.list_models() lists them)")
    if config.resume and not Path(config.resume).is_file():
        raise UsageError(f"--resume {config.resume}: no such checkpoint")
    check_output_folder(config.out, f"--out {config.out}")
    replaced = previous_run(config)
    L.seed_everything(config.seed, workers=True, verbose=False)
    pairs = getattr(config, "mode", "cycle") == "trajectory"  # only the refiner recipe has a mode
    datamodule = CollectionDataModule(config, flip=recipe != "sky", pairs=pairs)
    module = TrajectoryRefinerModule(config) if pairs else MODULES[recipe](config)
    if config.resume:
        check_resume_checkpoint(config.resume, module)
    trainer = build_trainer(recipe, config)
    datamodule.setup("fit")  # bad data fails here, before the trainer makes its log folders
    if recipe == "depth" and config.depth == "builtin" and datamodule.backend_labelled:
        logger.warning("%d photos take their labels from --depth builtin, the network this recipe trains: it "
                       "can only learn to copy it. To improve on it, distil from a stronger backend (--depth "
                       "midas-small, depth-anything-v2-small, ...: docs/networks.md) or give the photos depth "
                       "sidecars", datamodule.backend_labelled)
    for part in replaced:  # only now that the new run's data and settings have passed every check
        shutil.rmtree(part)
    start = time.perf_counter()
    try:
        trainer.fit(module, datamodule=datamodule, ckpt_path=config.resume, weights_only=True if config.resume else None)
    except SystemExit as stop:
        _reraise_interruption(stop, Path(config.out))
    seconds = time.perf_counter() - start
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")}
    rendered = datamodule.rendered_worlds
    description = {
        "recipe": recipe,
        "data": config.worlds if rendered else str(Path(config.worlds or config.data).resolve()),
        "data_kind": ("procedural worlds (exact depth)" + (", rendered as drawn" if rendered else "")
                      if config.worlds else f"photos, depth from {config.depth}"),
        "mode": getattr(config, "mode", None),
        "steps": int(module.batches_seen),
        "batch_size": config.batch_size,
        "resolution": config.resolution,
        "seed": config.seed,
        "wall_time_s": round(seconds, 1),
        "hardware": f"{platform.machine()} {torch.get_num_threads()} threads, {trainer.accelerator.__class__.__name__}, "
        f"{trainer.num_devices} device(s) x {trainer.num_nodes} node(s)",
        "held_out_metrics": metrics,
        "init_weights": config.init_weights,
    }
    export = Path(config.out) / "export" / EXPORT_NAMES[recipe]
    return module.export(export, description) if trainer.global_rank == 0 else None
