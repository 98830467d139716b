"""Photos as first frames: the working image and the photo's finer pixels kept beside it."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from infinite_nature.generate.inputs import decode_photo, expand_inputs, load_photo


def _save(path, height: int, width: int):
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.mark.parametrize(("size", "working", "factor"), [
    ((768, 1024), (192, 256), 4),
    ((341, 512), (176, 256), 2),
    ((200, 300), (176, 256), None),
])
def test_a_photo_keeps_its_finer_pixels_aligned_with_the_working_image(tmp_path, size, working, factor):
    first = load_photo(_save(tmp_path / "photo.png", *size), 256)
    assert tuple(first.rgb.shape) == (1, 3, *working)
    if factor is None:
        assert first.detail is None
        return
    assert tuple(first.detail.shape) == (1, 3, factor * working[0], factor * working[1])
    torch.testing.assert_close(first.rgb, F.avg_pool2d(first.detail, factor))


def test_an_upload_gets_the_same_first_frame_as_the_file(tmp_path):
    path = _save(tmp_path / "photo.png", 400, 600)
    from_file, from_bytes = load_photo(path, 128), decode_photo(path.read_bytes(), "photo.png", 128)
    assert torch.equal(from_file.rgb, from_bytes.rgb) and torch.equal(from_file.detail, from_bytes.detail)


def test_a_tiny_photo_flies_but_warns_that_it_is_enlarged(tmp_path, caplog):
    path = tmp_path / "tiny.png"
    Image.fromarray(np.full((8, 12, 3), 90, np.uint8)).save(path)
    first = load_photo(path, 256)
    assert first.rgb.shape[-2:] == (176, 256)
    assert "tiny.png: 12x8 pixels, enlarged 22x to 256x176: the flight will look soft" in caplog.text
    caplog.clear()
    Image.fromarray(np.full((120, 160, 3), 90, np.uint8)).save(path)
    load_photo(path, 256)  # 1.6x: no warning
    assert caplog.text == ""


def test_a_folder_of_links_to_photo_folders_gives_their_photos(tmp_path):
    """``generate FOLDER`` reads the photos of linked folders below it, as the training data does."""
    (tmp_path / "trip").mkdir()
    _save(tmp_path / "trip" / "lake.jpg", 32, 48)
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "trip").symlink_to(tmp_path / "trip", target_is_directory=True)
    assert expand_inputs([str(tmp_path / "input")]) == [tmp_path / "input" / "trip" / "lake.jpg"]
