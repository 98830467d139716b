"""What a person looks at: metric curves over steps (PNG) and contact sheets of flights."""

from __future__ import annotations

from pathlib import Path

from infinite_nature.atomic import atomic_path
from infinite_nature.data.writer import write_image
from infinite_nature.image import tile
from infinite_nature.evaluate.long_range import SERIES, FlightRecord


def plot_series(records: list[FlightRecord], folder: Path) -> list[Path]:
    """One PNG per metric with a line per flight."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for key in SERIES:
        figure, axis = plt.subplots(figsize=(6, 3.2), dpi=100)
        for record in records:
            axis.plot(record.series[key], label=record.name, linewidth=1)
        axis.set_xlabel("step")
        axis.set_ylabel(key.replace("_", " "))
        axis.grid(alpha=0.3)
        if len(records) <= 8:
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
