"""Hand-made sky masks (``NAME.sky.png``) for the example photos, from hand-traced outlines.

The outlines (``examples/photos/sky_outlines.json``) were traced by eye on the photos, a vertex
every 8 to 16 pixels along each skyline. A traced line is a few pixels off a real edge, so
GrabCut (OpenCV) settles the edge within ``BAND`` pixels of the line, learning the sky's and the
ground's colours from the sure parts above and below; whatever of the result does not reach the
top of the frame is ground (the product's sky rule), and the ``not_judged`` polygons are written
as 128. Run from the repository root: ``python scripts/trace_sky_masks.py [--preview sheet.png]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from infinite_nature.atomic import atomic_path
from infinite_nature.data.reader import read_rgb
from infinite_nature.sky_mask import sky_open_to_top

BAND = 5  # pixels either side of a traced skyline where GrabCut decides
NOT_JUDGED = 128


def trace(rgb: np.ndarray, skyline: list[list[int]], not_judged: list[list[list[int]]]) -> np.ndarray:
    """A mask ``[H, W]`` uint8: 255 sky, 0 ground, 128 not judged."""
    height, width = rgb.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    if skyline:
        line = np.array(skyline, np.int32)
        above = np.zeros_like(mask)
        cv2.fillPoly(above, [np.concatenate([[[0, 0]], line, [[width - 1, 0]]]).astype(np.int32)], 1)
        near = np.zeros_like(mask)
        cv2.polylines(near, [line], False, 1, thickness=2 * BAND + 1)
        labels = np.where(above > 0, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
        labels[(near > 0) & (above > 0)] = cv2.GC_PR_FGD
        labels[(near > 0) & (above == 0)] = cv2.GC_PR_BGD
        cv2.grabCut(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), labels, None, np.zeros((1, 65)), np.zeros((1, 65)), 8,
                    cv2.GC_INIT_WITH_MASK)
        sky = torch.from_numpy(np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)))[None, None]
        mask[sky_open_to_top(sky)[0, 0].numpy()] = 255
    for polygon in not_judged:
        cv2.fillPoly(mask, [np.array(polygon, np.int32)], NOT_JUDGED)
    return mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlines", type=Path, default=Path("examples/photos/sky_outlines.json"))
    parser.add_argument("--preview", type=Path,
                        help="also write the photos with their masks tinted, one above the other")
    args = parser.parse_args()
    outlines = json.loads(args.outlines.read_text(encoding="utf-8"))["photos"]
    tinted = []
    for name, outline in outlines.items():
        photo = args.outlines.parent / f"{name}.jpg"
        rgb = read_rgb(photo)
        mask = trace(rgb, outline["skyline"], outline["not_judged"])
        target = photo.with_name(f"{name}.sky.png")
        with atomic_path(target) as path:
            Image.fromarray(mask).save(path, format="PNG")
        print(f"{target}: sky {np.mean(mask == 255):.3f}, not judged {np.mean(mask == NOT_JUDGED):.3f}")
        tint = rgb.astype(np.float32)
        tint[mask == 255] = 0.5 * tint[mask == 255] + [127, 0, 127]
        tint[mask == NOT_JUDGED] = 0.5 * tint[mask == NOT_JUDGED] + [127, 127, 0]
        tinted.append(tint.astype(np.uint8))
    if args.preview:
        width = max(image.shape[1] for image in tinted)
        rows = [np.pad(image, ((0, 0), (0, width - image.shape[1]), (0, 0))) for image in tinted]
        Image.fromarray(np.concatenate(rows)).save(args.preview)


if __name__ == "__main__":
    main()
