"""The sky mask on real photos against hand-made masks (``NAME.sky.png`` beside the photo)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from infinite_nature.data.layout import photos_under
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.evaluate.photo_sky import REPOSITORY_PHOTOS, evaluate_photo_sky, judged_photos
from infinite_nature.models import load_pretrained

BLUE, GREEN = (70, 120, 230), (60, 140, 50)


def _blue(rgb: torch.Tensor) -> torch.Tensor:  # [1, 3, H, W] -> [1, 1, H, W]
    """A sky rule that is exact on the test photos: blue over green."""
    return rgb[:, 2:3] > rgb[:, 1:2]


def _photo(folder, name: str, horizon: int, size=(300, 190), mask_size=None, glare=False):
    """A photo ``size`` (w, h) with blue sky above row ``horizon`` and green ground below, and its
    hand-made mask (a not-judged patch on the horizon with ``glare``)."""
    width, height = size
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[:horizon], rgb[horizon:] = BLUE, GREEN
    Image.fromarray(rgb).save(folder / f"{name}.jpg", quality=95)
    mask = np.where(np.arange(height)[:, None] < horizon, 255, 0).astype(np.uint8).repeat(width, 1)
    if glare:
        mask[horizon - 20 : horizon + 20, 100:160] = 128
    mask_w, mask_h = mask_size or size
    Image.fromarray(mask).resize((mask_w, mask_h), Image.NEAREST).save(folder / f"{name}.sky.png")


def test_photos_with_a_mask_are_measured_and_the_mask_lines_up_with_the_shrunk_cropped_photo(tmp_path):
    _photo(tmp_path, "half", 95, glare=True)  # 300x190: shrunk to 256 wide and cropped to multiples of 16
    _photo(tmp_path, "low", 150)
    Image.new("RGB", (40, 30)).save(tmp_path / "no_mask.jpg")
    items = judged_photos(photos_under(tmp_path))
    assert [item.name for item in items] == ["half", "low"]
    rgb, sky, judged = items[0].rgb, items[0].sky, items[0].judged
    assert rgb.shape == (1, 3, 160, 256) and sky.shape == judged.shape == (1, 1, 160, 256)
    assert 0 < (~judged).float().mean() < 0.1  # the glare patch and the blended rows at the horizon
    report = evaluate_photo_sky(_blue, items)
    assert report["iou"] > 0.99 and report["by_photo"]["half"]["false_sky"] == 0.0
    everything = evaluate_photo_sky(lambda rgb: torch.ones_like(rgb[:, :1], dtype=torch.bool), items)
    assert everything["by_photo"]["low"]["false_sky"] == 1.0 and 0.5 < everything["by_photo"]["low"]["iou"] < 0.9
    nothing = evaluate_photo_sky(lambda rgb: torch.zeros_like(rgb[:, :1], dtype=torch.bool), items)
    assert nothing["iou"] == 0.0


def test_a_photo_without_sky_counts_only_the_ground_called_sky(tmp_path):
    _photo(tmp_path, "forest", 0)
    items = judged_photos(photos_under(tmp_path))
    assert evaluate_photo_sky(_blue, items) == {"iou": 1.0, "by_photo": {"forest": {"iou": None, "false_sky": 0.0}},
                                                "photos": 1}
    top = evaluate_photo_sky(lambda rgb: (torch.arange(rgb.shape[-2])[:, None] < 2).expand(rgb.shape[-2:])[None, None],
                             items)
    assert top["iou"] == 0.0 and top["by_photo"]["forest"]["false_sky"] == pytest.approx(2 / 160)  # two rows of 160


def test_bad_masks_are_one_line_errors(tmp_path):
    _photo(tmp_path, "small", 60, mask_size=(150, 95))
    with pytest.raises(InfiniteNatureError, match=r"small.sky.png: the sky mask is 150x95, its photo 300x190"):
        judged_photos(photos_under(tmp_path))
    (tmp_path / "small.sky.png").write_bytes(b"not a png")
    with pytest.raises(InfiniteNatureError, match=r"small.sky.png: not a readable sky mask"):
        judged_photos(photos_under(tmp_path))


def test_the_bundled_photos_masks_and_the_shipped_network():
    """Every bundled photo has a mask its size; the shipped network finds most of their sky and
    calls little of their ground sky (the forest creek shows none)."""
    items = judged_photos(photos_under(REPOSITORY_PHOTOS))
    assert [item.name for item in items] == ["aitzgorri", "forest_creek", "picos_de_europa", "sunset"]
    network = load_pretrained("default", "depth_sky").eval()
    report = evaluate_photo_sky(lambda rgb: network.predict(rgb).sky, items)
    assert report["iou"] > 0.7 and report["by_photo"]["forest_creek"]["iou"] is None
    assert all(photo["false_sky"] < 0.1 for photo in report["by_photo"].values())
