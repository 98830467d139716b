"""Writing outputs: places checked before long work starts, files that appear under their final name only once complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from infinite_nature.errors import InfiniteNatureError


def check_output_folder(folder: str | os.PathLike[str], what: str) -> None:
    """Fail now, with the reason, if files cannot be written in ``folder`` (created later if missing).

    ``what`` names the output in the message, as the user gave it (``"--out runs/depth"``).
    Called before long work starts, so an unwritable output place costs no computing time. Nothing
    is created here: the probe file goes in the nearest folder that exists and is deleted at once.
    """
    existing = _nearest_existing(Path(folder))
    if not existing.is_dir():
        raise InfiniteNatureError(f"{what}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise InfiniteNatureError(f"{what}: cannot write in {existing} ({error.strerror or error})") from None


def make_output_folder(folder: str | os.PathLike[str]) -> Path:
    """``folder``, created with its parents; an InfiniteNatureError with the reason if it cannot be."""
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        existing = _nearest_existing(path)
        reason = f"{existing} is a file, not a folder" if not existing.is_dir() else error.strerror or str(error)
        raise InfiniteNatureError(f"cannot create the folder {path}: {reason}") from None
    return path


def _nearest_existing(path: Path) -> Path:
    """``path`` or the closest of its parents that exists."""
    absolute = path.absolute()
    return next(p for p in (absolute, *absolute.parents) if p.exists())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    final = Path(path)
    make_output_folder(final.parent)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".partial{final.suffix}", dir=final.parent)
    except OSError as error:
        raise InfiniteNatureError(f"cannot write {final} ({error.strerror or error})") from None
    os.close(handle)
    try:
        yield Path(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(temporary, final)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
