"""Image layout and value-range convention (the one place that defines it).

Inside the package every image is a float tensor laid out ``[B, C, H, W]`` with values in
``[0, 1]``. ``uint8`` ``[H, W, C]`` arrays exist only at the file and network boundaries;
these two functions are the only conversions between the two.
"""

from __future__ import annotations

import numpy as np
import torch


def image_to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 ``[H, W, 3]`` (or ``[H, W]``) array -> float ``[1, C, H, W]`` tensor in [0, 1]."""
    if array.dtype != np.uint8:
        raise ValueError(f"image array must be uint8, got {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"image array must be [H, W] or [H, W, C], got shape {tuple(array.shape)}")
    return torch.from_numpy(np.array(array)).permute(2, 0, 1)[None].float() / 255.0


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    """float ``[1, C, H, W]`` or ``[C, H, W]`` tensor in [0, 1] -> uint8 ``[H, W, C]`` array."""
    if tensor.ndim == 4:
        if tensor.shape[0] != 1:
            raise ValueError(f"expected a batch of one image, got batch size {tensor.shape[0]}")
        tensor = tensor[0]
    if tensor.ndim != 3:
        raise ValueError(f"image tensor must be [C, H, W] or [1, C, H, W], got {tuple(tensor.shape)}")
    array = (tensor.detach().float().clamp(0, 1) * 255.0 + 0.5).to(torch.uint8)
    return array.permute(1, 2, 0).cpu().numpy()


def tile(images: list[np.ndarray], columns: int) -> np.ndarray:
    """uint8 ``[H, W, 3]`` images of one size in a grid, row by row; missing cells are black."""
    if not images:
        raise ValueError("no images to tile")
    columns = max(1, min(columns, len(images)))
    cells = images + [np.zeros_like(images[0])] * (-len(images) % columns)
    rows = [np.concatenate(cells[i : i + columns], axis=1) for i in range(0, len(cells), columns)]
    return np.concatenate(rows, axis=0)
