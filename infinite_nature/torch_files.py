"""Reading torch pickle files that other tools write (Lightning checkpoints, torchvision weights).

Always with ``weights_only=True``, so a file from elsewhere cannot run code; any failure to read
(unpickling refused, truncation, another format) becomes one error line naming the file.
Our own networks never come this way: they are safetensors (``models/checkpoint.py``).
"""

from __future__ import annotations

import os

import torch

from infinite_nature.errors import InfiniteNatureError


def load_torch_file(
    path: str | os.PathLike[str], what: str, kind: str, error: type[InfiniteNatureError] = InfiniteNatureError
) -> object:
    """The contents of the torch file ``path``; ``what`` names it as the user gave it (``"--resume X"``),
    ``kind`` says what it should be (``"training checkpoint"``)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as failure:  # unpickling, truncation and format errors all come as different types
        raise error(f"{what}: not a readable {kind} (corrupt, truncated or another format: "
                    f"{type(failure).__name__})") from None
