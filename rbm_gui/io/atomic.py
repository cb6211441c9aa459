"""Atomic file writes: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and a failed write (permission denied, disk full,
cancelled export) leaves the old file intact and no temporary file behind.

A process killed while writing cannot remove its temporary file. So the temporary name carries
the writer's pid (``.<target name>.<pid>-<random>.part<suffix>``) and the writer holds an
exclusive ``flock`` on it while it writes; the next writer in that folder removes temporary
files whose lock is free (their writer is gone), never one whose writer is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import IO, Iterator

try:
    import fcntl
except ImportError:  # Windows: fall back to asking whether the pid is alive
    fcntl = None

__all__ = ["OutputPathError", "WriteError", "atomic_group", "atomic_open", "atomic_path",
           "check_writable", "clean_orphans"]

# ".<target>.<pid>-<mkstemp's 8 random characters>.part<suffix>"
_TEMP = re.compile(r"\..+\.(?P<pid>\d+)-[a-z0-9_]{8}\.part")
# Before pids were in the name: ".<target>.<random>.part<suffix>"; removed when a day old.
_OLD_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.part")
_OLD_TEMP_AGE = 24 * 3600


class OutputPathError(OSError):
    """An output file cannot be written there; the message names the file and says why."""


class WriteError(OSError):
    """Writing ``filename`` failed (disk full, permission denied...); the old file is intact.

    ``strerror`` is the reason, ``errno`` the cause's; ``str()`` names the file.
    """

    def __str__(self) -> str:
        return f"{self.filename}: cannot write ({self.strerror})"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _writer_gone(path: Path, pid: int | None) -> bool:
    """Whether the temporary file ``path`` was left by a writer that no longer exists."""
    if fcntl is not None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False                    # locked: its writer is still writing
        finally:
            os.close(fd)                    # releases our probe lock
        if pid is None or pid != os.getpid():
            return True
        return False
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def clean_orphans(directory: str | os.PathLike) -> list[Path]:
    """Remove temporary files of writers that are gone from ``directory``; returns them."""
    removed = []
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(".") and ".part" in e.name]
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        pid = int(match["pid"]) if match else None
        if match is None:
            try:
                old = _OLD_TEMP.match(entry.name) and time.time() - entry.stat().st_mtime > _OLD_TEMP_AGE
            except OSError:
                old = False
            if not old:
                continue
        path = Path(entry.path)
        if entry.is_file(follow_symlinks=False) and (match is None or _writer_gone(path, pid)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def check_writable(*paths: str | os.PathLike | None) -> None:
    """Check before long work that each of ``paths`` (None: skipped) can be written atomically.

    The folder must exist and accept a new file (tried by creating and removing one), and the
    target, if it exists, must be a regular file. Raises OutputPathError naming the file.
    """
    for path in paths:
        if path is not None:
            _check_one(Path(path))


def _check_one(target: Path) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputPathError(f"{target}: is a folder; give a file name")
    if target.exists() and not target.is_file():
        raise OutputPathError(f"{target}: exists and is not a regular file")
    if not directory.exists():
        raise OutputPathError(f"{target}: the folder {directory} does not exist")
    if not directory.is_dir():
        raise OutputPathError(f"{target}: {directory} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".part", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputPathError(f"{target}: cannot write in {directory} ({exc.strerror or exc})") from exc


def _new_temp(target: Path, suffix: str) -> tuple[Path, int | None]:
    """Create the temporary file for ``target``; return it and the fd holding its lock."""
    directory = target.parent if str(target.parent) else Path(".")
    clean_orphans(directory)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=f".part{suffix}",
                                        dir=directory)
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return Path(tmp_name), fd
    os.close(fd)
    return Path(tmp_name), None


def _relabel(exc: OSError, target: Path, tmp: Path) -> OSError:
    """An OSError about the temporary file (or about no file) as a WriteError naming ``target``."""
    if isinstance(exc, WriteError) or exc.filename not in (None, str(tmp), tmp):
        return exc
    return WriteError(exc.errno, exc.strerror or str(exc), str(target))


@contextlib.contextmanager
def atomic_group(*targets: str | os.PathLike, suffixes: tuple[str, ...] | None = None) -> Iterator[list[Path]]:
    """Yield one temporary path per target; rename them all onto their targets on success.

    For a file and its side files (a model and its metrics CSV): every file is written in full
    before any is renamed, so a failure while writing (disk full, a bad value, Ctrl-C) leaves
    none of them. ``suffixes`` default to the targets' own suffixes.
    """
    paths = [Path(t) for t in targets]
    suffixes = suffixes or tuple(p.suffix for p in paths)
    temps: list[tuple[Path, int | None]] = []
    try:
        for target, suffix in zip(paths, suffixes):
            temps.append(_new_temp(target, suffix))
        try:
            yield [tmp for tmp, _ in temps]
            for (tmp, _), target in zip(temps, paths):
                # mkstemp creates owner-only files (0600); give the result the usual 0666 & ~umask
                if tmp.is_file():
                    os.chmod(tmp, 0o666 & ~_umask())
            for (tmp, _), target in zip(temps, paths):
                os.replace(tmp, target)
        except OSError as exc:
            failed = next((t for (tmp, _), t in zip(temps, paths) if exc.filename in (str(tmp), tmp)), paths[0])
            tmp = next(tmp for (tmp, _), t in zip(temps, paths) if t == failed)
            raise _relabel(exc, failed, tmp) from exc
    finally:
        for tmp, fd in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()                # no-op after a successful rename
            if fd is not None:
                os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    The caller writes the file at the yielded path (by any means: numpy, Pillow, ffmpeg). On an
    exception the temporary file is removed and ``target`` is untouched; an OSError about the
    temporary file becomes a :class:`WriteError` naming ``target``. ``suffix`` defaults to the
    target's own suffix, so writers that choose a format by extension keep working.
    """
    with atomic_group(target, suffixes=None if suffix is None else (suffix,)) as (tmp,):
        yield tmp


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
