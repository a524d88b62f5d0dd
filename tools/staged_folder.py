"""Write a folder all at once: into a hidden sibling first, moved into place only on success."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


def _move_entries(stage: Path, out: Path) -> None:
    """Move what ``stage`` holds into the existing empty folder ``out``; undo the moves if one fails."""
    moved: list[Path] = []
    try:
        for entry in sorted(stage.iterdir()):
            target = out / entry.name
            if target.exists():  # ``out`` was filled meanwhile: never overwrite
                raise FileExistsError(17, "the output folder is no longer empty", str(target))
            os.rename(entry, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            with contextlib.suppress(OSError):
                os.rename(target, stage / target.name)
        raise


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield an empty sibling of ``out``; on a clean exit its content becomes ``out``, on an error it is removed.

    The sibling sits in ``out``'s parent, so every move stays on one filesystem. A missing
    ``out`` is made by one atomic rename of the sibling. An existing (empty) ``out`` is kept,
    with its owner and mode, and receives the sibling's entries: renaming over it would
    fail when it is the working folder (``-o .``). Nothing half-written is left behind
    when writing fails.
    """
    target = Path(os.path.abspath(out))  # "." and ".." resolved, so the sibling has a real name
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    stage.mkdir()  # mode from the umask, as a folder made by hand would have
    try:
        yield stage
        if target.is_dir():
            _move_entries(stage, target)
            stage.rmdir()
        else:
            os.rename(stage, target)  # fails, rather than overwrites, if a file appeared there
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
