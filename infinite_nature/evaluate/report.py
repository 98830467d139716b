"""Evaluation reports: the JSON written to disk and the markdown table printed for people."""

from __future__ import annotations

import statistics


def short_range_table(results: dict[str, dict[int, dict[str, float]]]) -> str:
    steps = sorted(next(iter(results.values())).keys())
    lines = ["| method | " + " | ".join(f"step {s} PSNR / SSIM / disp. err" for s in steps) + " |",
             "|---|" + "---|" * len(steps)]
    for method in ("warp", "warp_telea", "ours"):
        cells = [
            f"{results[method][s]['psnr']:.2f} / {results[method][s]['ssim']:.3f} / {results[method][s]['disparity_abs_rel']:.3f}"
            for s in steps
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sharpness_ratio(results: dict[str, dict[int, dict[str, float]]], method: str, steps: list[int]) -> float:
    """Mean sharpness of ``method`` over ``steps`` divided by the ground truth's."""
    ours = sum(results[method][s]["sharpness"] for s in steps)
    truth = sum(results["truth"][s]["sharpness"] for s in steps)
    return ours / max(truth, 1e-12)


def psnr_gain(results: dict[str, dict[int, dict[str, float]]], steps: list[int]) -> float:
    """Mean PSNR of ours minus warp + Telea over ``steps`` (dB)."""
    return sum(results["ours"][s]["psnr"] - results["warp_telea"][s]["psnr"] for s in steps) / len(steps)


def worlds_line(by_world: dict[str, dict[int, dict[str, dict[int, float]]]], method: str = "ours") -> str:
    """The last step's PSNR and disparity error of ``method`` world by world: their medians and
    the three worst worlds, which can carry the mean on their own."""
    step = max(by_world[method])
    values = by_world[method][step]
    psnrs, errors = values["psnr"], values["disparity_abs_rel"]
    worst = sorted(psnrs, key=psnrs.get)[:3]
    listed = ", ".join(f"world {seed} {psnrs[seed]:.2f} dB / {errors[seed]:.3f}" for seed in worst)
    return (f"{method}, step {step}, world by world: median PSNR {statistics.median(psnrs.values()):.2f} dB, "
            f"median disparity error {statistics.median(errors.values()):.3f}; lowest: {listed}")
