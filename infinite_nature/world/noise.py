"""Deterministic 2D noise from integer hashing: value noise, fBm and ridged fBm.

Integer arithmetic is kept within 64 bits (operands masked to 32 bits before each
multiply), so the same seed gives the same lattice values on every machine; only the
float interpolation differs by round-off.
"""

from __future__ import annotations

import math

import torch

_MASK = 0xFFFFFFFF
_ROTATION_COS, _ROTATION_SIN = 0.8, 0.6  # each octave is rotated (3-4-5 triangle) to hide the lattice


def hash_unit(ix: torch.Tensor, iz: torch.Tensor, seed: int) -> torch.Tensor:
    """A float in [0, 1) for each integer lattice point (int64 tensors)."""
    h = ((ix & _MASK) * 0x27D4EB2D + (iz & _MASK) * 0x165667B1 + (seed * 0x9E3779B1 & _MASK)) & _MASK
    h = h ^ (h >> 15)
    h = (h * 0x2C1B3C6D) & _MASK
    h = h ^ (h >> 12)
    h = (h * 0x297A2D39) & _MASK
    h = h ^ (h >> 15)
    return (h >> 8).to(torch.float32) * (1.0 / 16777216.0)


def value_noise(x: torch.Tensor, z: torch.Tensor, seed: int) -> torch.Tensor:
    """Smooth value noise in [-1, 1] with lattice spacing 1 (quintic interpolation)."""
    x0, z0 = torch.floor(x), torch.floor(z)
    fx, fz = x - x0, z - z0
    ix, iz = x0.to(torch.int64), z0.to(torch.int64)
    a = hash_unit(ix, iz, seed)
    b = hash_unit(ix + 1, iz, seed)
    c = hash_unit(ix, iz + 1, seed)
    d = hash_unit(ix + 1, iz + 1, seed)
    ux = fx * fx * fx * (fx * (fx * 6 - 15) + 10)
    uz = fz * fz * fz * (fz * (fz * 6 - 15) + 10)
    top = a + (b - a) * ux
    bottom = c + (d - c) * ux
    return (top + (bottom - top) * uz) * 2.0 - 1.0


def _octaves(wavelength: float, octaves: int, min_wavelength: float) -> int:
    """How many octaves (halving wavelength) stay at or above ``min_wavelength``."""
    if min_wavelength <= 0:
        return octaves
    if wavelength < min_wavelength:
        return 0
    return min(octaves, int(math.floor(math.log2(wavelength / min_wavelength))) + 1)


def fbm(
    x: torch.Tensor,
    z: torch.Tensor,
    seed: int,
    wavelength: float,
    octaves: int,
    gain: float = 0.5,
    min_wavelength: float = 0.0,
) -> torch.Tensor:
    """Fractal sum of value noise, roughly in [-1, 1]; octaves finer than ``min_wavelength`` are skipped
    (all of them, giving zeros, when even the first is finer)."""
    total = torch.zeros_like(x)
    amplitude = 1.0
    px, pz = x / wavelength, z / wavelength
    for octave in range(_octaves(wavelength, octaves, min_wavelength)):
        total = total + amplitude * value_noise(px, pz, seed + 1013 * octave)
        amplitude *= gain
        px, pz = _next_octave(px, pz, 17.3)
    return total / _norm(octaves, gain)


def _next_octave(px: torch.Tensor, pz: torch.Tensor, shift: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Coordinates of the next octave: rotated, doubled in frequency, shifted."""
    return 2.0 * (_ROTATION_COS * px - _ROTATION_SIN * pz) + shift, 2.0 * (_ROTATION_SIN * px + _ROTATION_COS * pz)


def _norm(octaves: int, gain: float) -> float:
    """Sum of the amplitudes of all octaves: the same divisor whatever level of detail is drawn."""
    return sum(gain**k for k in range(octaves))


def ridged(
    x: torch.Tensor,
    z: torch.Tensor,
    seed: int,
    wavelength: float,
    octaves: int,
    gain: float = 0.5,
    min_wavelength: float = 0.0,
) -> torch.Tensor:
    """Ridged fractal noise in [0, 1]: sharp crests like mountain ridges."""
    total = torch.zeros_like(x)
    amplitude = 1.0
    weight = torch.ones_like(x)
    px, pz = x / wavelength, z / wavelength
    for octave in range(_octaves(wavelength, octaves, min_wavelength)):
        signal = 1.0 - value_noise(px, pz, seed + 7919 * octave).abs()
        signal = signal * signal * weight
        weight = (signal * 1.5).clamp(0.0, 1.0)
        total = total + amplitude * signal
        amplitude *= gain
        px, pz = _next_octave(px, pz, 5.1)
    return total / _norm(octaves, gain)
