"""User photo collections: scanning, sidecars, and unreadable files."""

import numpy as np
import pytest
from PIL import Image

from infinite_nature.data.layout import scan_collection
from infinite_nature.data.reader import UnreadableImage, load_item, read_rgb


def _photo(path, size=(20, 12), mode="RGB", colour=(10, 200, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def test_scan_is_recursive_sorted_and_skips_sidecars(tmp_path):
    _photo(tmp_path / "b.jpg")
    _photo(tmp_path / "sub" / "a.png")
    _photo(tmp_path / "b.sky.png", mode="L", colour=255)
    _photo(tmp_path / ".hidden.jpg")
    (tmp_path / "notes.txt").write_text("not a photo")
    items = scan_collection(tmp_path)
    assert [i.image.relative_to(tmp_path).as_posix() for i in items] == ["b.jpg", "sub/a.png"]
    assert items[0].sky is not None and items[1].sky is None


def test_scan_follows_linked_folders_and_reads_each_folder_once(tmp_path):
    """A collection put together from links to photo folders is read in full; a link back up
    the tree (a cycle) and a second link to the same folder add nothing."""
    elsewhere = tmp_path / "elsewhere"
    _photo(elsewhere / "linked.jpg")
    root = tmp_path / "collection"
    _photo(root / "own.jpg")
    (root / "trip").symlink_to(elsewhere, target_is_directory=True)
    (root / "trip_again").symlink_to(elsewhere, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    names = [i.image.relative_to(root).as_posix() for i in scan_collection(root)]
    assert names == ["own.jpg", "trip/linked.jpg"]


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        scan_collection(tmp_path / "nope")
    (tmp_path / "file.jpg").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        scan_collection(tmp_path / "file.jpg")


@pytest.mark.parametrize(
    "content", [b"", b"\xff\xd8\xff\xe0 truncated jpeg", b"plain text, not an image"], ids=["empty", "truncated", "text"]
)
def test_unreadable_files_raise_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(UnreadableImage, match="not a readable image"):
        read_rgb(path)


def test_modes_are_converted_to_rgb(tmp_path):
    rgba = Image.new("RGBA", (4, 3), (255, 0, 0, 0))  # fully transparent red over white
    rgba.save(tmp_path / "rgba.png")
    assert read_rgb(tmp_path / "rgba.png")[0, 0].tolist() == [255, 255, 255]
    Image.new("L", (4, 3), 128).save(tmp_path / "gray.png")
    assert read_rgb(tmp_path / "gray.png").shape == (3, 4, 3)
    Image.fromarray(np.full((3, 4), 65535, dtype=np.uint16)).save(tmp_path / "deep.png")
    assert read_rgb(tmp_path / "deep.png").max() == 255
    Image.new("CMYK", (4, 3), (0, 0, 0, 0)).save(tmp_path / "cmyk.jpg")
    assert read_rgb(tmp_path / "cmyk.jpg").shape == (3, 4, 3)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (8, 4), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    image.save(tmp_path / "rotated.jpg", exif=exif)
    assert read_rgb(tmp_path / "rotated.jpg").shape == (8, 4, 3)


def test_sidecar_size_mismatch_is_an_error(tmp_path):
    _photo(tmp_path / "p.jpg", size=(20, 12))
    np.save(tmp_path / "p.depth.npy", np.ones((5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="depth is"):
        load_item(scan_collection(tmp_path)[0])
