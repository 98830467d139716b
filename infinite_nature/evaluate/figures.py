"""What a person looks at: metric curves over steps (PNG) and contact sheets of flights."""

from __future__ import annotations

from pathlib import Path

from infinite_nature.atomic import atomic_path
from infinite_nature.data.writer import write_image
from infinite_nature.image import tile
from infinite_nature.evaluate.long_range import SERIES, FlightRecord


def plot_series(records: list[FlightRecord], folder: Path) -> list[Path]:
    """One PNG per metric with a line per flight (and one of the world flights against their truth)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {key: [(r.name, list(range(len(r.series[key]))), r.series[key]) for r in records] for key in SERIES}
    with_truth = [r for r in records if r.truth]
    if with_truth:
        curves["coarse_psnr_vs_truth"] = [(r.name, list(r.truth), [t["coarse_psnr"] for t in r.truth.values()])
                                          for r in with_truth]
    paths = []
    for key, lines in curves.items():
        figure, axis = plt.subplots(figsize=(6, 3.2), dpi=100)
        for name, steps, values in lines:
            axis.plot(steps, values, label=name, linewidth=1)
        axis.set_xlabel("step")
        axis.set_ylabel(key.replace("_", " "))
        axis.grid(alpha=0.3)
        if len(lines) <= 8:
            axis.legend(fontsize=7)
        figure.tight_layout()
        path = folder / f"{key}.png"
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format="png")
        plt.close(figure)
        paths.append(path)
    return paths


def contact_sheet(record: FlightRecord, path: Path) -> None:
    """Every kept frame of a flight side by side, wrapped to rows of 6."""
    write_image(path, tile(record.sheet, 6))
