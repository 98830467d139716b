import numpy as np
import pytest
import torch

from infinite_nature.image import image_to_tensor, tensor_to_image


def test_round_trip_is_exact():
    array = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    tensor = image_to_tensor(array)
    assert tensor.shape == (1, 3, 5, 7) and tensor.dtype == torch.float32
    assert 0.0 <= tensor.min() and tensor.max() <= 1.0
    np.testing.assert_array_equal(tensor_to_image(tensor), array)


def test_grayscale_and_bad_inputs():
    assert image_to_tensor(np.zeros((4, 4), dtype=np.uint8)).shape == (1, 1, 4, 4)
    with pytest.raises(ValueError, match="uint8"):
        image_to_tensor(np.zeros((4, 4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="batch of one"):
        tensor_to_image(torch.zeros(2, 3, 4, 4))


def test_tile_fills_rows_and_pads_with_black():
    from infinite_nature.image import tile

    images = [np.full((2, 3, 3), value, dtype=np.uint8) for value in (10, 20, 30)]
    grid = tile(images, 2)
    assert grid.shape == (4, 6, 3)
    assert grid[0, 0, 0] == 10 and grid[0, 3, 0] == 20 and grid[2, 0, 0] == 30 and grid[2, 3, 0] == 0
    assert tile(images, 10).shape == (2, 9, 3)
    with pytest.raises(ValueError):
        tile([], 3)
