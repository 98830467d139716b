"""Sky-mask rule shared by every depth backend: sky is open to the top of the frame.

A landscape's sky is one region reaching the top edge (clouds included). A blob a network
calls sky but that ground surrounds (a bright lake, a pale wall, hazy water between trees)
would become a hole at infinity, painted over by the sky dome in every later frame; so
such blobs are given back to the ground.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch


def sky_open_to_top(sky: torch.Tensor) -> torch.Tensor:  # [B, 1, H, W] bool -> same
    """Keep the sky pixels 8-connected to the top row through sky; the rest become ground."""
    if sky.ndim != 4 or sky.shape[1] != 1:
        raise ValueError(f"sky masks are [B, 1, H, W], got {tuple(sky.shape)}")
    kept = []
    for mask in sky[:, 0].cpu().numpy().astype(np.uint8):  # [H, W] each
        _, labels = cv2.connectedComponents(mask, connectivity=8)
        touching = np.unique(labels[0][mask[0] > 0])
        kept.append(np.isin(labels, touching) & (mask > 0))
    return torch.from_numpy(np.stack(kept))[:, None].to(sky.device)
