"""Write a folder all at once: into a hidden sibling first, renamed into place only on success."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield an empty sibling of ``out``; on a clean exit it becomes ``out``, on an error it is removed.

    The sibling sits in ``out``'s parent, so the final rename stays on one filesystem and is
    atomic; ``out`` must be missing or an empty folder (rename(2) replaces an empty folder
    and fails on a full one, so a folder filled meanwhile is never overwritten). Nothing
    half-written is left behind when writing fails.
    """
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    stage.mkdir()  # mode from the umask, as a folder made by hand would have
    try:
        yield stage
        os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
