"""Replacing shipped weights with a training run's export, only where held-out metrics improve.

Each network is measured the way the model card reports it, on held-out procedural worlds
(seeds from 5000, never trained on), current and candidate alike on the same views, and
compared view by view (or world by world): the candidate's mean change must be an
improvement by more than its standard error.

* ``depth_sky``: depth AbsRel (lower) on all 100 held-out views and 40 validation views (seeds
  from 6000, never trained on either), and neither the median nor the mean over the quality
  bar's 40 views may rise; its sky IoU kept within ``IOU_SLACK``. The views' errors spread so
  widely (a few views of a near crest before far ground score three times the rest) that a
  lower mean on the bar's 40 views alone is often noise, a trade of one kind of view against
  the rest, or the luck of the best of several runs (model card, History). Its sky mask on
  real photos with hand-made masks (``evaluate.photo_sky``) may not fall by more than
  ``PHOTO_IOU_SLACK`` either: the worlds cannot show a sky head that calls a real mountain sky,
  as one run's did;
* ``refiner``: PSNR over warp + Telea at steps 1, 2 and 5 along 20 true trajectories (higher),
  its sharpness within ``SHARPNESS_BAR`` of the truth's (or no farther than the current
  network's), flown with the current sky generator so that only the refiner differs;
* ``sky_generator``: L1 to the world's own dome where the view showed no sky (lower), 40 views.

A promoted network's files replace the current ones atomically; its JSON record keeps the
measurements and the training record of the network it replaced, and a row is added to the
model card's history, so nothing of the old weights' story is lost.
"""

from __future__ import annotations

import datetime
import json
import math
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from infinite_nature.atomic import atomic_path, write_text_atomic
from infinite_nature.data.layout import world_seed_of
from infinite_nature.errors import UsageError
from infinite_nature.evaluate.depth import evaluate_depth
from infinite_nature.evaluate.photo_sky import JudgedPhoto, evaluate_photo_sky
from infinite_nature.evaluate.report import psnr_gain, sharpness_ratio
from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS, VALIDATION_SEEDS, ShortRangeConfig, evaluate_short_range
from infinite_nature.evaluate.sky import evaluate_sky_generator
from infinite_nature.generate.weights import DEFAULT_SET, NETWORK_FILES, FlightNetworks
from infinite_nature.models import load_checkpoint, load_pretrained
from infinite_nature.models.checkpoint import checkpoint_paths, read_checkpoint_config
from infinite_nature.train.data import seed_range

IOU_SLACK = 0.005  # a promoted depth network's sky IoU may fall by at most this
PHOTO_IOU_SLACK = 0.01  # ... and its sky IoU on photos with hand-made masks by at most this
SHARPNESS_BAR = 0.25  # the refiner's sharpness within this share of the truth's (issue #5's bar)
SHORT_RANGE_STEPS = (1, 2, 5)
HISTORY_MARKER = "New weights replace these only when the held-out metrics improve"


@dataclass(frozen=True)
class Measures:
    """How many held-out views or worlds each measurement takes, and at what size."""

    views: int = 40  # the sky generator's
    worlds: int = 20  # the refiner's
    size: int = 128
    depth_views: int = len(HELD_OUT_SEEDS)  # the depth network's held-out views, compared view by view with ...
    validation_views: int = 40  # ... these validation views
    bar_views: int = 40  # the first held-out views: those issue #5's depth bar is measured on
    sky_photos: tuple[JudgedPhoto, ...] = ()  # real photos with hand-made sky masks, for the depth network's sky

    @classmethod
    def quick(cls, sky_photos: tuple[JudgedPhoto, ...] = ()) -> Measures:
        """A few small views (tests): the verdicts mean nothing about quality."""
        return cls(views=4, worlds=2, size=64, depth_views=3, validation_views=1, bar_views=2, sky_photos=sky_photos)


@dataclass
class Verdict:
    network: str
    current: dict[str, float]
    candidate: dict[str, float]
    improved: bool
    reason: str


def _depth_metrics(network, current: Path, measures: Measures, progress: bool) -> dict[str, Any]:
    seeds = HELD_OUT_SEEDS[: measures.depth_views] + VALIDATION_SEEDS[: measures.validation_views]
    report = evaluate_depth(network, seeds, measures.size, progress)
    by_seed = report["abs_rel_by_seed"]
    bar = [by_seed[str(seed)] for seed in HELD_OUT_SEEDS[: measures.bar_views]]
    metrics = {"abs_rel": report["abs_rel"], "abs_rel_median": report["abs_rel_median"],
               "abs_rel_bar_views": statistics.fmean(bar), "sky_iou": report["sky_iou"], "abs_rel_by_seed": by_seed}
    if measures.sky_photos:
        photos = evaluate_photo_sky(lambda rgb: network.predict(rgb).sky, list(measures.sky_photos), progress=progress)
        metrics |= {"photo_sky_iou": photos["iou"], "photo_sky_by_photo": photos["by_photo"]}
    return metrics


def _refiner_metrics(network, current: Path, measures: Measures, progress: bool) -> dict[str, Any]:
    """Flown with ``current``'s sky generator (the shipped one where it has none), so that only the refiner differs."""
    sky_generator = _network(current, "sky_generator")
    config = ShortRangeConfig(seeds=HELD_OUT_SEEDS[: measures.worlds], size=measures.size, steps=SHORT_RANGE_STEPS,
                              progress=progress)
    results, by_world = evaluate_short_range(config, FlightNetworks(network, sky_generator, None))
    steps = list(SHORT_RANGE_STEPS)
    gain_by_world = {str(seed): statistics.fmean(by_world["ours"][step]["psnr"][seed]
                                                 - by_world["warp_telea"][step]["psnr"][seed] for step in steps)
                     for seed in config.seeds}
    return {"psnr_gain_over_telea_db": psnr_gain(results, steps), "sharpness_ratio": sharpness_ratio(results, "ours", steps),
            "psnr_gain_by_world": gain_by_world}


def _sky_metrics(network, current: Path, measures: Measures, progress: bool) -> dict[str, Any]:
    report = evaluate_sky_generator(network, HELD_OUT_SEEDS[: measures.views], measures.size, progress)
    return {"unseen_sky_l1": report["unseen_sky_l1"], "unseen_sky_l1_by_seed": report["unseen_sky_l1_by_seed"]}


def paired_change(current: dict[str, float], candidate: dict[str, float]) -> tuple[float, float]:
    """Mean and standard error of the candidate's change, view by view (or world by world), over
    those both have: the networks' differences on the same views, which the views' own wide spread
    does not blur as it does the difference of two means."""
    changes = [candidate[key] - current[key] for key in current if key in candidate]
    if not changes:
        raise ValueError("no view measured for both networks")
    error = statistics.stdev(changes) / math.sqrt(len(changes)) if len(changes) > 1 else 0.0
    return statistics.fmean(changes), error


def _depth_verdict(current: dict[str, Any], candidate: dict[str, Any]) -> tuple[bool, str]:
    change, error = paired_change(current["abs_rel_by_seed"], candidate["abs_rel_by_seed"])
    views = len(candidate["abs_rel_by_seed"])
    figures = (f"depth AbsRel on {views} views {current['abs_rel']:.4f} -> {candidate['abs_rel']:.4f} (change view by "
               f"view {change:+.4f} +- {error:.4f}), median {current['abs_rel_median']:.4f} -> "
               f"{candidate['abs_rel_median']:.4f}, on the bar's views {current['abs_rel_bar_views']:.4f} -> "
               f"{candidate['abs_rel_bar_views']:.4f}, sky IoU {current['sky_iou']:.4f} -> {candidate['sky_iou']:.4f}")
    photos = "photo_sky_iou" in current and "photo_sky_iou" in candidate
    if photos:
        figures += f", on photos {current['photo_sky_iou']:.4f} -> {candidate['photo_sky_iou']:.4f}"
    if change + error >= 0:
        return False, f"{figures}: the change is not below zero by more than its standard error"
    if candidate["abs_rel_median"] > current["abs_rel_median"]:
        return False, f"{figures}: the median rose"
    if candidate["abs_rel_bar_views"] > current["abs_rel_bar_views"]:
        return False, f"{figures}: the bar's views got worse"
    if candidate["sky_iou"] < current["sky_iou"] - IOU_SLACK:
        return False, f"{figures}: sky IoU fell by more than {IOU_SLACK}"
    if photos and candidate["photo_sky_iou"] < current["photo_sky_iou"] - PHOTO_IOU_SLACK:
        return False, f"{figures}: sky IoU on the photos fell by more than {PHOTO_IOU_SLACK}"
    return True, figures


def _refiner_verdict(current: dict[str, Any], candidate: dict[str, Any]) -> tuple[bool, str]:
    gain, old_gain = candidate["psnr_gain_over_telea_db"], current["psnr_gain_over_telea_db"]
    change, error = paired_change(current["psnr_gain_by_world"], candidate["psnr_gain_by_world"])
    if change - error <= 0:
        return False, (f"PSNR over warp + Telea {gain:+.3f} dB (change world by world {change:+.3f} +- {error:.3f}) "
                       f"is not above the current {old_gain:+.3f} dB by more than its standard error")
    off, old_off = abs(candidate["sharpness_ratio"] - 1.0), abs(current["sharpness_ratio"] - 1.0)
    if off > SHARPNESS_BAR and off > old_off:
        return False, (f"sharpness {candidate['sharpness_ratio']:.2f} of the truth's is outside 1 +- {SHARPNESS_BAR} "
                       f"and farther from it than the current {current['sharpness_ratio']:.2f}")
    return True, (f"PSNR over warp + Telea {old_gain:+.3f} -> {gain:+.3f} dB (change world by world {change:+.3f} "
                  f"+- {error:.3f}), sharpness "
                  f"{current['sharpness_ratio']:.2f} -> {candidate['sharpness_ratio']:.2f} of the truth's")


def _sky_verdict(current: dict[str, Any], candidate: dict[str, Any]) -> tuple[bool, str]:
    new, old = candidate["unseen_sky_l1"], current["unseen_sky_l1"]
    change, error = paired_change(current["unseen_sky_l1_by_seed"], candidate["unseen_sky_l1_by_seed"])
    if change + error >= 0:
        return False, (f"unseen-sky L1 {new:.4f} (change view by view {change:+.4f} +- {error:.4f}) is not below the "
                       f"current {old:.4f} by more than its standard error")
    return True, f"unseen-sky L1 {old:.4f} -> {new:.4f} (change view by view {change:+.4f} +- {error:.4f})"


Metrics = dict[str, Any]  # figures (floats), and the same by view or world (for the paired comparison)
Measure = Callable[[torch.nn.Module, Path, Measures, bool], Metrics]  # (network, the folder it would replace, ...)
Judge = Callable[[Metrics, Metrics], tuple[bool, str]]  # (current, candidate) -> (improved, why)
JUDGES: dict[str, tuple[Measure, Judge]] = {
    "depth_sky": (_depth_metrics, _depth_verdict),
    "refiner": (_refiner_metrics, _refiner_verdict),
    "sky_generator": (_sky_metrics, _sky_verdict),
}


def candidate_networks(candidate: Path, current: Path) -> list[str]:
    """The networks ``candidate`` holds, each of which ``current`` must hold too; usage errors otherwise."""
    if not candidate.is_dir():
        raise UsageError(f"{candidate}: no such folder (a training run's OUT/export)")
    if not current.is_dir():
        raise UsageError(f"--into {current}: no such folder")
    if candidate.resolve() == current.resolve():
        raise UsageError(f"{candidate} is the --into folder itself; nothing to compare")
    present = [n for n in NETWORK_FILES if checkpoint_paths(candidate / n)[0].is_file()]
    if not present:
        raise UsageError(f"{candidate}: none of {', '.join(n + '.safetensors' for n in NETWORK_FILES)} in it")
    for name in present:
        if not checkpoint_paths(current / name)[0].is_file():
            raise UsageError(f"--into {current} has no {name} network to compare with; copy one in by hand")
    return present


def _training_record(path: Path) -> dict[str, object]:
    """A checkpoint's training record (a copy; empty where it has none or not a mapping)."""
    training = read_checkpoint_config(path).get("training")
    return dict(training) if isinstance(training, dict) else {}


def trained_on_measured_worlds(training: dict[str, object]) -> list[int]:
    """Held-out and validation seeds among the worlds a training record names (``seeds:A-B``, or
    an export folder that still exists): metrics on worlds a network was trained on are not
    held out."""
    data = training.get("data")
    if not isinstance(data, str):
        return []
    try:
        seeds = seed_range(data)
    except UsageError:  # a record's text, not a flag: not a range then
        seeds = None
    if seeds is None and Path(data).is_dir():
        seeds = {world_seed_of(path.name) for path in Path(data).rglob("world_*")}
    return [seed for seed in HELD_OUT_SEEDS + VALIDATION_SEEDS if seed in (seeds or ())]


def _network(folder: Path, name: str) -> torch.nn.Module:
    """``folder``'s network, or the shipped default's where it has none (the sky generator a
    refiner is flown with)."""
    if checkpoint_paths(folder / name)[0].is_file():
        return load_checkpoint(folder / name, network=name).eval()
    return load_pretrained(DEFAULT_SET, name).eval()


@torch.no_grad()
def compare(candidate: Path, current: Path, measures: Measures = Measures(), progress: bool = False) -> list[Verdict]:
    """A verdict for each network in ``candidate``, against the one in ``current``."""
    verdicts = []
    for name in candidate_networks(candidate, current):
        leaked = trained_on_measured_worlds(_training_record(candidate / name))
        if leaked:
            reason = (f"it was trained on {len(leaked)} held-out or validation world(s) ({leaked[0]}-{leaked[-1]}), "
                      "so its metrics on them would not be held out")
            verdicts.append(Verdict(name, {}, {}, False, reason))
            continue
        measure, judge = JUDGES[name]
        metrics = [measure(_network(folder, name), current, measures, progress) for folder in (current, candidate)]
        improved, reason = judge(*metrics)
        verdicts.append(Verdict(name, metrics[0], metrics[1], improved, reason))
    return verdicts


def _history_row(verdict: Verdict, candidate: Path, training: dict[str, object], date: str) -> str:
    record = ", ".join(f"{key} {training[key]}" for key in ("steps", "wall_time_s", "hardware", "data") if key in training)
    averaged = training.get("averaged")
    if isinstance(averaged, dict):  # ``train average``'s record
        record += (f"; the mean of its {averaged.get('checkpoints')} checkpoints from step {averaged.get('from_step')} "
                   f"to {averaged.get('to_step')} (`infinite-nature train average`)")
    return (f"| {date} | {verdict.network} from `{candidate}`, promoted by `infinite-nature train promote` "
            f"({record or 'no training record'}) | held-out: {verdict.reason} |")


def _add_history_row(card: Path, row: str) -> None:
    """Insert ``row`` at the end of the card's history table (before its closing note), or at the
    end of the card."""
    text = card.read_text(encoding="utf-8")
    at = text.find(HISTORY_MARKER)
    if at >= 0:
        before = text[:at].rstrip("\n")
        text = f"{before}\n{row}\n\n{text[at:]}"
    else:
        text = f"{text.rstrip()}\n{row}\n"
    write_text_atomic(card, text)


def promote(verdict: Verdict, candidate: Path, current: Path, date: str | None = None) -> list[Path]:
    """Replace ``current``'s network by ``candidate``'s; returns the files written."""
    date = date or datetime.date.today().isoformat()
    new_weights, new_config = checkpoint_paths(candidate / verdict.network)
    old_weights, old_config = checkpoint_paths(current / verdict.network)
    record = read_checkpoint_config(candidate / verdict.network)
    training = _training_record(candidate / verdict.network)
    training["promotion"] = {"date": date, "from": str(candidate), "held_out": verdict.candidate,
                             "replaced_held_out": verdict.current,
                             "replaced_training": read_checkpoint_config(current / verdict.network).get("training")}
    record["training"] = training
    with atomic_path(old_weights) as weights, atomic_path(old_config) as config:  # both written, then both renamed
        shutil.copyfile(new_weights, weights)
        config.write_text(json.dumps(record, indent=2), encoding="utf-8")
    written = [old_weights, old_config]
    card = current / "MODEL_CARD.md"
    if card.is_file():
        _add_history_row(card, _history_row(verdict, candidate, training, date))
        written.append(card)
    return written
