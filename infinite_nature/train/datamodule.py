"""The LightningDataModule every recipe uses: a step-indexed training stream and a held-out set."""

from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import DataLoader

from infinite_nature.errors import UsageError
from infinite_nature.train.configs import CROP_MIN, TrainConfig
from infinite_nature.train.data import (
    HeldOutSet,
    StepBatches,
    StepTicker,
    prepare_collection,
    split,
    view_draw_weights,
    world_seeds,
)
from infinite_nature.train.pairs import HeldOutPairs, PairBatches, find_path_pairs
from infinite_nature.train.prefetch import PrefetchedBatches


class CollectionDataModule(L.LightningDataModule):
    """``--data`` (photos; depth cached from a backend) or ``--worlds`` (exported worlds, or
    ``seeds:A-B`` rendered as drawn; exact depth)."""

    def __init__(self, config: TrainConfig, flip: bool = True, pairs: bool = False) -> None:
        super().__init__()
        if bool(config.data) == bool(config.worlds):
            raise UsageError("give exactly one of --data PHOTO_FOLDER or --worlds "
                             "EXPORTED_WORLD_FOLDER|seeds:FIRST-LAST")
        self.config, self.flip, self.pairs = config, flip, pairs
        # the depth recipe's draws and augmentations (the other recipes' configs have none of them)
        self.far_view_weight = getattr(config, "far_view_weight", 0.0)  # power of the far-view draw weights
        self.depth_range_weight = getattr(config, "depth_range_weight", 0.0)  # power of the depth-range draw weights
        self.colour_jitter = getattr(config, "colour_jitter", 0.0)  # strength of the views' colour jitter
        self.clouds = getattr(config, "clouds", 0.0)  # share of the views with clouds painted into their sky
        self.crop_min = getattr(config, "crop_min", CROP_MIN)  # least share of the short side a crop covers
        self.batches: StepBatches | PairBatches | PrefetchedBatches | None = None
        self.backend_labelled = 0  # photos whose disparity and sky come from the --depth backend
        self.rendered_worlds = False  # --worlds seeds:A-B: views rendered as drawn, not read from an export
        self.held_out: HeldOutSet | HeldOutPairs | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.batches is not None:
            return
        config = self.config
        folder = config.worlds or config.data
        samples = world_seeds(config.worlds, config.resolution) if config.worlds else None
        self.rendered_worlds = samples is not None
        if samples is not None and self.pairs:
            raise UsageError(f"--worlds {config.worlds}: --mode trajectory needs the views along each path; "
                             "export them with 'infinite-nature world export --path-steps N'")
        if samples is None:
            samples = prepare_collection(folder, depth=config.depth, weights=config.depth_weights,
                                         progress=config.progress)
            self.backend_labelled = sum(sample.cached is not None for sample in samples)  # labels from --depth
        if self.pairs:
            self._setup_pairs(folder, samples)
        else:
            train, held_out = split(samples)
            weights = None
            if self.far_view_weight or self.depth_range_weight:
                weights = view_draw_weights(train, self.far_view_weight, self.depth_range_weight, config.progress)
            self.batches = StepBatches(train, config.resolution, config.batch_size, config.seed, flip=self.flip,
                                       weights=weights, colour_jitter=self.colour_jitter, clouds=self.clouds,
                                       crop_min=self.crop_min)
            self.held_out = HeldOutSet(held_out[:64], config.resolution)
        if config.workers > 0:
            self.batches = PrefetchedBatches(self.batches, config.workers)

    def _setup_pairs(self, folder: str, samples: list) -> None:
        config = self.config
        pairs = find_path_pairs(samples)
        if not pairs:
            raise UsageError(f"{folder}: no path pairs; export worlds with 'infinite-nature world export --path-steps N'")
        train = [p for p in pairs if not p.held_out]
        held_out = [p for p in pairs if p.held_out]
        if not train or not held_out:
            train = held_out = pairs
        self.batches = PairBatches(train, config.resolution, config.batch_size, config.seed, flip=self.flip)
        self.held_out = HeldOutPairs(held_out[:64], config.resolution)

    def teardown(self, stage: str | None = None) -> None:
        if isinstance(self.batches, PrefetchedBatches):
            self.batches.close()
            self.batches = None

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicker(), batch_size=None)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.held_out, batch_size=min(8, self.config.batch_size), shuffle=False)


def move(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: value.to(device) for key, value in batch.items()}
