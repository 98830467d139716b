"""Sky generator quality on held-out procedural worlds: how close its completed dome comes to the
world's own sky where the view did not show it.

A flight turns and climbs into sky its first frame never saw; the generator paints that from
the sky the frame shows. Each held-out world gives both halves exactly: the view's sky placed on
the dome (the generator's input) and the world's whole dome (the truth). The L1 is taken over
the part the view did not show, with the mean style (no latent), as a flight's dome starts.
"""

from __future__ import annotations

import statistics

import torch
from tqdm import tqdm

from infinite_nature.evaluate.short_range import HELD_OUT_SEEDS
from infinite_nature.evaluate.start_views import start_view, true_sky_dome
from infinite_nature.models import SkyGenerator
from infinite_nature.render.sky_dome import view_to_panorama


@torch.no_grad()
def evaluate_sky_generator(generator: SkyGenerator, seeds: tuple[int, ...] = HELD_OUT_SEEDS[:40], size: int = 128,
                           progress: bool = False) -> dict[str, object]:
    g = generator.config
    unseen_l1 = {}
    for seed in tqdm(seeds, desc="sky domes", unit="view", disable=not progress):
        view = start_view(seed, size)
        camera = view.camera
        partial, known = view_to_panorama(view.rgb, view.sky, camera.intrinsics[None].float(),
                                          camera.pose[None, :3, :3].float(), g.pano_height, g.pano_width,
                                          g.min_elevation)  # [1, 3, Hp, Wp], [1, 1, Hp, Wp]
        dome = generator(partial * known, known)
        truth = true_sky_dome(seed, g.pano_height, g.pano_width, g.min_elevation)  # [1, 3, Hp, Wp]
        unseen = 1.0 - known
        unseen_l1[str(seed)] = float(((dome - truth).abs() * unseen).sum() / (3 * unseen.sum()).clamp_min(1.0))
    return {"unseen_sky_l1": statistics.fmean(unseen_l1.values()), "unseen_sky_l1_by_seed": unseen_l1,
            "views": len(seeds)}
