"""Network benchmark: inference ms at one size (batch 1), parameters, FLOPs and weight size."""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode
from tqdm import tqdm

from infinite_nature.bench.configs import ModelsBenchConfig
from infinite_nature.bench.timing import median_milliseconds
from infinite_nature.models import DepthSkyNet, MultiScaleDiscriminator, RefinerNet, SkyGenerator, SkyGeneratorConfig

TARGET_MS = {"depth_sky": 30.0, "refiner": 150.0, "sky_generator": 300.0}


def _cases(size: int, device: torch.device) -> dict[str, tuple[torch.nn.Module, tuple]]:
    depth = DepthSkyNet().eval().to(device)
    refiner = RefinerNet().eval().to(device)
    sky = SkyGenerator(SkyGeneratorConfig(carried_base=True)).eval().to(device)  # as the sky recipe trains it
    disc = MultiScaleDiscriminator().eval().to(device)
    rgb = torch.rand(1, 3, size, size, device=device)
    style = refiner.encode_style(rgb)
    pano = torch.rand(1, 3, sky.config.pano_height, sky.config.pano_width, device=device)
    known = torch.zeros(1, 1, *pano.shape[-2:], device=device)
    known[..., : pano.shape[-2] // 2, : pano.shape[-1] // 6] = 1  # a view's sky: the upper dome over a sixth of the azimuths
    return {
        "depth_sky": (depth, (rgb,)),
        "refiner": (refiner, (rgb, rgb[:, :1], torch.ones_like(rgb[:, :1]), style)),
        "sky_generator": (sky, (pano, known)),
        "discriminator": (disc, (torch.rand(1, 4, size, size, device=device),)),
    }


def run_models_bench(config: ModelsBenchConfig, device: torch.device, progress: bool = False) -> list[dict[str, object]]:
    rows = []
    with torch.no_grad():
        for name, (model, inputs) in tqdm(_cases(config.size, device).items(), desc="networks", unit="network",
                                          disable=not progress):
            counter = FlopCounterMode(display=False)
            with counter:
                model(*inputs)
            parameters = sum(p.numel() for p in model.parameters())
            rows.append(
                {
                    "network": name,
                    "ms": median_milliseconds(lambda: model(*inputs), device, config.repeats),
                    "target_ms": TARGET_MS.get(name),
                    "parameters_m": parameters / 1e6,
                    "gflops": counter.get_total_flops() / 1e9,
                    "weights_mb": sum(t.numel() * t.element_size() for t in model.state_dict().values()) / 2**20,
                }
            )
    return rows


def format_models_table(rows: list[dict[str, object]]) -> str:
    lines = [f"{'network':>14} {'ms':>8} {'target':>8} {'params M':>9} {'GFLOPs':>8} {'MB':>6}"]
    for row in rows:
        target = f"{row['target_ms']:.0f}" if row["target_ms"] else "-"
        lines.append(
            f"{row['network']:>14} {row['ms']:>8.1f} {target:>8} {row['parameters_m']:>9.2f} "
            f"{row['gflops']:>8.2f} {row['weights_mb']:>6.1f}"
        )
    shipped = sum(r["weights_mb"] for r in rows if r["network"] != "discriminator")
    lines.append(f"weights that would ship (depth_sky + refiner + sky_generator): {shipped:.1f} MB (target <= 50 MB)")
    return "\n".join(lines)
