import torch

from infinite_nature.world.noise import fbm, hash_unit, ridged, value_noise


def test_hash_is_deterministic_uniform_and_seeded():
    ix = torch.arange(-500, 500).repeat_interleave(20)
    iz = torch.arange(20).repeat(1000)
    a, b = hash_unit(ix, iz, 3), hash_unit(ix, iz, 3)
    assert torch.equal(a, b)
    assert 0.0 <= a.min() and a.max() < 1.0
    assert abs(a.mean().item() - 0.5) < 0.02 and abs(a.std().item() - (1 / 12) ** 0.5) < 0.02
    assert (hash_unit(ix, iz, 4) != a).float().mean() > 0.99


def test_value_noise_is_continuous_and_hits_lattice_values():
    x = torch.linspace(-3, 3, 6001)
    z = torch.full_like(x, 0.37)
    n = value_noise(x, z, 1)
    assert n.abs().max() <= 1.0
    assert (n[1:] - n[:-1]).abs().max() < 0.01  # no jumps across cell borders
    on_lattice = value_noise(torch.tensor([2.0]), torch.tensor([5.0]), 1)
    expected = hash_unit(torch.tensor([2]), torch.tensor([5]), 1) * 2 - 1
    torch.testing.assert_close(on_lattice, expected)


def test_fractal_sums_stay_in_range_and_skip_fine_octaves():
    x, z = torch.rand(5000) * 1e4, torch.rand(5000) * 1e4
    f = fbm(x, z, 0, 100.0, 6)
    r = ridged(x, z, 0, 100.0, 6)
    assert f.abs().max() <= 1.0 and 0.0 <= r.min() and r.max() <= 1.0
    coarse = fbm(x, z, 0, 100.0, 6, min_wavelength=50.0)  # only the 100 m and 50 m octaves
    two_octaves = fbm(x, z, 0, 100.0, 2)
    # same octaves, and the same divisor as the full sum, so levels of detail agree in scale
    torch.testing.assert_close(coarse, two_octaves * (1 + 0.5) / sum(0.5**k for k in range(6)))
    assert fbm(x, z, 0, 10.0, 4, min_wavelength=20.0).abs().max() == 0  # every octave too fine
