"""Atomic file writes: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and a failed write (permission denied, disk full,
cancelled export) leaves the old file intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    The caller writes the file at the yielded path (by any means: numpy, Pillow, ffmpeg). On an
    exception the temporary file is removed and ``target`` is untouched. ``suffix`` defaults to the
    target's own suffix, so writers that choose a format by extension keep working.
    """
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    if suffix is None:
        suffix = target.suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{suffix}", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates owner-only files (0600); give the result the usual 0666 & ~umask
        if tmp.is_file():
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``target`` for writing; rename it onto ``target`` on success."""
    if not mode.startswith("w"):
        raise ValueError("atomic_open only writes")
    with atomic_path(target) as tmp:
        with open(tmp, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
