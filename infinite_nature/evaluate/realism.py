"""FID and KID over step ranges (torchmetrics), with Inception weights the user supplies locally.

Nothing is downloaded: without ``--inception-weights`` the realism part is skipped with one
line saying why. The features are torchvision's Inception-v3 pool features (2048-d), so the
numbers compare runs of this project with each other; they are close to, but not the same
as, the TF-Inception FID of published papers.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from infinite_nature.errors import InfiniteNatureError
from infinite_nature.torch_files import load_torch_file

STEP_RANGES = ((1, 16), (16, 32), (32, 64), (64, 128))


class InceptionFeatures(torch.nn.Module):
    """[0, 1] images -> 2048-d Inception-v3 pool features (what FID/KID compare)."""

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        from torchvision.models import inception_v3

        path = Path(weights)
        if not path.is_file():
            raise InfiniteNatureError(f"--inception-weights {path}: no such file")
        model = inception_v3(weights=None, aux_logits=True, init_weights=False)
        state = load_torch_file(path, f"--inception-weights {path}", "torch state dict")
        try:
            model.load_state_dict(state)
        except (RuntimeError, TypeError, AttributeError) as error:
            reason = " ".join(str(error).split())[:200] or type(error).__name__
            raise InfiniteNatureError(f"--inception-weights {path}: not torchvision Inception-v3 weights ({reason})") from None
        model.fc = torch.nn.Identity()
        self.model = model.eval()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dtype == torch.uint8:
            images = images.float() / 255.0
        x = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        return self.model((x - self.mean) / self.std)


def fid_kid_by_range(
    real: torch.Tensor, generated_by_step: dict[int, torch.Tensor], features: InceptionFeatures
) -> dict[str, dict[str, float]]:
    """FID and KID of generated frames in each step range against real images ``[N, 3, H, W]``."""
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    results = {}
    for low, high in STEP_RANGES:
        fake = [frames for step, frames in generated_by_step.items() if low <= step < high]
        if not fake:
            continue
        fake_images = torch.cat(fake)
        if len(fake_images) < 2 or len(real) < 2:
            results[f"{low}-{high}"] = {"skipped": "fewer than 2 frames in this range", "frames": len(fake_images)}
            continue
        subset = max(2, min(50, len(real), len(fake_images)))
        fid = FrechetInceptionDistance(feature=features, normalize=True)
        kid = KernelInceptionDistance(feature=features, subset_size=subset, normalize=True)
        for metric in (fid, kid):
            metric.update(real, real=True)
            metric.update(fake_images, real=False)
        results[f"{low}-{high}"] = {"fid": float(fid.compute()), "kid": float(kid.compute()[0]), "frames": len(fake_images)}
    return results
