"""Renderer benchmark: ms per splat, forward and forward+backward, per backend and size."""

from __future__ import annotations

import torch
from tqdm import tqdm

from infinite_nature.bench.configs import RenderBenchConfig
from infinite_nature.bench.timing import median_milliseconds
from infinite_nature.geometry import intrinsics_from_fov
from infinite_nature.render import resolve_backend, splat


def _scene(size: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    """A textured view with smooth depth and a small sideways + forward camera move."""
    generator = torch.Generator().manual_seed(0)
    features = torch.rand(1, 3, size, size, generator=generator).to(device)
    rows = torch.linspace(0.05, 0.9, size).view(1, 1, size, 1).expand(1, 1, size, size)
    disparity = (rows + 0.02 * torch.rand(1, 1, size, size, generator=generator)).to(device)
    intrinsics = intrinsics_from_fov(60.0, size, size, device=device)
    transform = torch.eye(4, device=device)[None].clone()
    transform[0, :3, 3] = torch.tensor([0.03, 0.0, -0.05], device=device)
    return features, disparity, intrinsics, transform


def run_render_bench(config: RenderBenchConfig, device: torch.device, progress: bool = False) -> list[dict[str, object]]:
    """One row per (size, backend): forward and forward+backward median ms, or why skipped."""
    rows: list[dict[str, object]] = []
    bar = tqdm(total=len(config.sizes) * len(config.backends), desc="splats", unit="case", disable=not progress)
    for size in config.sizes:
        features, disparity, intrinsics, transform = _scene(size, device)
        for backend in config.backends:
            bar.update()
            row: dict[str, object] = {"size": size, "backend": backend, "points": size * size}
            try:
                resolved = resolve_backend(backend, device, features.dtype)
                splat(features, disparity, intrinsics, transform, backend=resolved, mode=config.mode)
            except Exception as error:  # unavailable backend: report, keep going
                row["skipped"] = str(error).splitlines()[0]
                rows.append(row)
                continue

            def forward() -> None:
                with torch.no_grad():
                    splat(features, disparity, intrinsics, transform, backend=resolved, mode=config.mode)

            leaf_features = features.clone().requires_grad_(True)
            leaf_disparity = disparity.clone().requires_grad_(True)

            def forward_backward() -> None:
                result = splat(leaf_features, leaf_disparity, intrinsics, transform, backend=resolved, mode=config.mode)
                (result.features.sum() + result.disparity.sum()).backward()

            row["forward_ms"] = median_milliseconds(forward, device, config.repeats)
            row["forward_backward_ms"] = median_milliseconds(forward_backward, device, config.repeats)
            rows.append(row)
        reference = next((r for r in rows if r["size"] == size and r["backend"] == "torch" and "forward_ms" in r), None)
        for row in rows:
            if row["size"] == size and reference is not None and "forward_ms" in row:
                row["forward_speedup_vs_torch"] = reference["forward_ms"] / row["forward_ms"]
                row["forward_backward_speedup_vs_torch"] = (
                    reference["forward_backward_ms"] / row["forward_backward_ms"]
                )
    bar.close()
    return rows


def format_render_table(rows: list[dict[str, object]]) -> str:
    """A plain-text table of the rows."""
    lines = [f"{'size':>6} {'backend':>10} {'fwd ms':>10} {'fwd+bwd ms':>11} {'fwd x':>7} {'f+b x':>7}"]
    for row in rows:
        if "skipped" in row:
            lines.append(f"{row['size']:>6} {row['backend']:>10}  skipped: {row['skipped']}")
            continue
        lines.append(
            f"{row['size']:>6} {row['backend']:>10} {row['forward_ms']:>10.2f} {row['forward_backward_ms']:>11.2f}"
            f" {row.get('forward_speedup_vs_torch', float('nan')):>7.2f}"
            f" {row.get('forward_backward_speedup_vs_torch', float('nan')):>7.2f}"
        )
    return "\n".join(lines)
