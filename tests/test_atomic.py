import os

import pytest

from infinite_nature.atomic import atomic_path, check_output_folder, write_text_atomic
from infinite_nature.errors import InfiniteNatureError


def test_file_appears_only_when_complete(tmp_path):
    target = tmp_path / "sub" / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list((tmp_path / "sub").iterdir()) == []
    write_text_atomic(target, "whole")
    assert target.read_text() == "whole"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["out.json"]


def test_output_folder_check_creates_nothing_and_names_the_problem(tmp_path):
    check_output_folder(tmp_path / "new" / "deeper", "--out new/deeper")
    assert list(tmp_path.iterdir()) == []  # writable, and nothing made yet
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InfiniteNatureError, match=r"^--out x: .*file is a file, not a folder$"):
        check_output_folder(blocker / "sub", "--out x")
    with pytest.raises(InfiniteNatureError, match="is a file, not a folder"):
        write_text_atomic(blocker / "sub" / "out.json", "text")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(InfiniteNatureError, match="cannot write in"):
            check_output_folder(locked / "out", "--out")
    finally:
        locked.chmod(0o755)
