import pytest

from infinite_nature.atomic import atomic_path, write_text_atomic


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
