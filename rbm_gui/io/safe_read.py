"""Open files for reading without hanging or swallowing unbounded input.

``open("fifo", "rb")`` blocks until a writer appears, and ``/dev/zero`` never ends: a path the
user picks must be a regular file, checked on the descriptor itself (no race between a stat and
the open) and opened with ``O_NONBLOCK`` so that the open of a FIFO returns at once.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

__all__ = ["NotRegularFileError", "FileTooLargeError", "open_regular"]

_KINDS = (
    (stat.S_ISDIR, "is a directory, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


class NotRegularFileError(OSError):
    """The path exists but is a directory, FIFO, device or socket; ``strerror`` says which."""


class FileTooLargeError(OSError):
    """The file is larger than the reader accepts; ``strerror`` gives both sizes."""


def open_regular(path: str | os.PathLike, max_bytes: int | None = None) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes`` bytes.

    Raises
    ------
    NotRegularFileError
        A directory, FIFO, device or socket (never blocks on a FIFO).
    FileTooLargeError
        Larger than ``max_bytes``.
    OSError
        Missing, permission denied, ...
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not hasattr(os, "O_NONBLOCK") and os.path.exists(path) and not os.path.isfile(path):
        # No O_NONBLOCK (Windows): refuse by stat before opening.
        raise NotRegularFileError(errno.EINVAL, "is not a regular file", str(path))
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            problem = next((text for test, text in _KINDS if test(info.st_mode)), "is not a regular file")
            raise NotRegularFileError(errno.EINVAL, problem, str(path))
        if max_bytes is not None and info.st_size > max_bytes:
            raise FileTooLargeError(
                errno.EFBIG, f"is {info.st_size:,} bytes, more than the {max_bytes:,} accepted", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
