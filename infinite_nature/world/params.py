"""The knobs of a procedural world, and how a seed picks them.

Every field documents its range; ``WorldParams.sample(seed)`` draws each one uniformly
(or from the listed choices) with numpy's PCG64 generator, so a seed means the same
world on every machine. ``World(seed, **overrides)`` replaces any of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

TIMES_OF_DAY = ("day", "golden", "overcast", "dusk")


def _range(low: float, high: float, help_text: str) -> dict:
    return {"range": (low, high), "help": help_text}


@dataclass(frozen=True)
class WorldParams:
    """Terrain, materials, light and camera of one world (metres, degrees)."""

    mountain_height: float = field(default=500.0, metadata=_range(120.0, 900.0, "ridged mountain amplitude"))
    hill_height: float = field(default=50.0, metadata=_range(15.0, 110.0, "rolling hill amplitude"))
    range_wavelength: float = field(default=1100.0, metadata=_range(600.0, 1800.0, "size of mountain ranges"))
    plains_fraction: float = field(default=0.35, metadata=_range(0.0, 0.75, "share of land that is flat plains"))
    cliff_strength: float = field(default=0.2, metadata=_range(0.0, 0.8, "terracing of slopes into cliffs"))
    water_level: float = field(default=-0.3, metadata=_range(-0.9, 0.35, "sea/lake level, in units of hill height"))
    snow_line: float = field(default=450.0, metadata=_range(180.0, 900.0, "height above which flat ground is snowy"))
    forest_density: float = field(default=0.5, metadata=_range(0.0, 1.0, "share of gentle slopes under forest"))
    dryness: float = field(default=0.2, metadata=_range(0.0, 1.0, "0 lush green grass, 1 dry yellow grass"))
    time_of_day: str = field(default="day", metadata={"choices": TIMES_OF_DAY, "help": "sky and sun palette"})
    sun_elevation: float = field(default=35.0, metadata=_range(4.0, 60.0, "sun height above the horizon (deg)"))
    sun_azimuth: float = field(default=120.0, metadata=_range(0.0, 360.0, "sun direction, clockwise from north"))
    cloud_cover: float = field(default=0.35, metadata=_range(0.0, 0.85, "share of the sky under clouds"))
    haze_density: float = field(default=2.5e-4, metadata=_range(8e-5, 7e-4, "aerial perspective per metre"))
    colour_temperature: float = field(default=0.0, metadata=_range(-0.12, 0.12, "white balance: + warm, - cool"))
    camera_height: float = field(default=30.0, metadata=_range(6.0, 90.0, "start camera height above ground"))
    fov_degrees: float = field(default=60.0, metadata=_range(50.0, 70.0, "horizontal field of view"))

    @classmethod
    def sample(cls, seed: int) -> WorldParams:
        """Draw every field from its documented range (deterministic per seed)."""
        rng = np.random.default_rng(np.random.PCG64(seed))
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            if "choices" in f.metadata:
                values[f.name] = str(rng.choice(f.metadata["choices"], p=[0.45, 0.25, 0.15, 0.15]))
            else:
                low, high = f.metadata["range"]
                values[f.name] = float(rng.uniform(low, high))
        if values["time_of_day"] == "golden":
            values["sun_elevation"] = float(rng.uniform(4.0, 14.0))
        elif values["time_of_day"] == "dusk":
            values["sun_elevation"] = float(rng.uniform(-4.0, 4.0))
        return cls(**values)

    def replace(self, **overrides: object) -> WorldParams:
        """A copy with some fields replaced; unknown names and bad choices are errors."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(f"unknown world parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        if "time_of_day" in overrides and overrides["time_of_day"] not in TIMES_OF_DAY:
            raise ValueError(f"time_of_day must be one of {TIMES_OF_DAY}, got {overrides['time_of_day']!r}")
        return dataclasses.replace(self, **overrides)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)
