"""Sample grids written during training: one row per image, columns as named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from infinite_nature.data.writer import write_image
from infinite_nature.image import tensor_to_image


def save_grid(path: str | Path, columns: list[torch.Tensor], rows: int = 4) -> None:
    """``columns``: ``[B, 3, H, W]`` (or 1-channel) tensors in [0, 1]; at most ``rows`` rows."""
    tiles = []
    for index in range(min(rows, columns[0].shape[0])):
        row = []
        for column in columns:
            image = column[index].detach().float().cpu()
            if image.shape[0] == 1:
                image = image.expand(3, -1, -1)
            row.append(tensor_to_image(image))
        tiles.append(np.concatenate(row, axis=1))
    write_image(path, np.concatenate(tiles, axis=0))
