"""A steering input in [-1, 1]^2 that decays back to the centre (mouse or keys in the demo)."""

from __future__ import annotations


class Steering:
    """``push(dx, dy)`` sets an offset (x right, y down); each ``decay()`` shrinks it towards 0."""

    def __init__(self, decay: float = 0.9) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"steering decay must be in [0, 1), got {decay}")
        self.decay_factor = decay
        self.x = 0.0
        self.y = 0.0

    def push(self, dx: float, dy: float) -> None:
        self.x = max(-1.0, min(1.0, float(dx)))
        self.y = max(-1.0, min(1.0, float(dy)))

    def decay(self) -> tuple[float, float]:
        """The offset to use this step; the stored one then decays."""
        offset = (self.x, self.y)
        self.x *= self.decay_factor
        self.y *= self.decay_factor
        return offset
