"""Download the full MNIST set (4 gz files) into the cache, with mirror fallback and md5 checks.

Each file is streamed to a temporary file beside its destination and renamed into place only
after its md5 matches the published one, so the cache never holds a partial or wrong file, even
after a cancel, a Ctrl-C or a full disk.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Mapping, Sequence

from rbm_gui.io.atomic import atomic_path

from .errors import DownloadCancelled, DownloadError

__all__ = ["MNIST_FILES", "MIRRORS", "CHUNK_SIZE", "download_mnist"]

#: The four original MNIST gz files and the md5 the mirrors publish for them (as torchvision).
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

#: Base URLs tried in order; the file name is appended. yann.lecun.com is last: it often refuses.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
)

#: Bytes read per chunk; progress and cancel are checked once per chunk.
CHUNK_SIZE = 64 * 1024

ProgressCallback = Callable[[str, int, "int | None"], None]


class _MirrorFailed(Exception):
    """This mirror could not deliver this file; try the next one. The message is the reason."""


def _md5_of(path: Path) -> str | None:
    """md5 of an existing file, or None if it cannot be read (then it is downloaded again)."""
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _cancel_check(cancel) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):  # threading.Event
        return cancel.is_set
    return cancel


def _local_error(exc: OSError, where: Path) -> DownloadError:
    if exc.errno == errno.ENOSPC:
        return DownloadError(
            f"{where.parent}: disk full while saving {where.name}; free some space and retry"
        )
    return DownloadError(f"{where}: cannot save the download ({exc.strerror or exc})")


def _fetch(url: str, target: Path, md5: str, timeout: float, progress, cancelled) -> None:
    """Stream ``url`` into ``target`` atomically; raise _MirrorFailed with the reason on failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "rbm-gui"})
    try:
        # Network and local errors are both OSError, so network calls are wrapped one by one
        # and turned into _MirrorFailed; any OSError that escapes is a local (disk) problem.
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            exc.close()  # an HTTPError is also an open response
            raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise _MirrorFailed(_reason(exc.reason)) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _MirrorFailed(_reason(exc)) from exc
        with response, atomic_path(target, suffix="") as tmp, open(tmp, "wb") as fh:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            digest, done = hashlib.md5(usedforsecurity=False), 0
            if progress is not None:
                progress(target.name, 0, total)
            while True:
                if cancelled():
                    raise DownloadCancelled(f"{target.name}: download cancelled")
                try:
                    chunk = response.read(CHUNK_SIZE)
                except (OSError, http.client.HTTPException) as exc:
                    raise _MirrorFailed(f"{_reason(exc)} after {done:,} bytes") from exc
                if not chunk:
                    break
                fh.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(target.name, done, total)
            # http.client returns b"" when the server hangs up early instead of raising.
            if total is not None and done < total:
                raise _MirrorFailed(f"truncated: {done:,} of {total:,} bytes")
            if digest.hexdigest() != md5:
                raise _MirrorFailed(f"md5 mismatch (got {digest.hexdigest()}, expected {md5})")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise _local_error(exc, target) from exc


def _reason(exc: object) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def download_mnist(
    dest: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel=None,
    timeout: float = 30,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Download the MNIST gz files into ``dest``, reusing files already there and verified.

    Parameters
    ----------
    dest : str or os.PathLike, optional
        Directory (created if needed). Default :func:`rbm_gui.data.sources.cache_dir`, where
        ``load_dataset("mnist")`` looks.
    mirrors : sequence of str, optional
        Base URLs tried in order for each file (default :data:`MIRRORS`). The next mirror is
        tried on any failure: HTTP error, refused connection, timeout, body shorter than its
        Content-Length, md5 mismatch.
    progress : callable, optional
        ``progress(file_name, bytes_done, bytes_total_or_None)``, called from the downloading
        thread: once at 0, after every chunk, and once with done == total for a reused file.
    cancel : threading.Event or callable returning bool, optional
        Checked between chunks; when set, the download stops with :class:`DownloadCancelled`.
    timeout : float
        Seconds to wait for a connection or for each chunk.
    files : mapping of str to str, optional
        File name -> expected md5 (default :data:`MNIST_FILES`); tests pass their own.

    Returns
    -------
    pathlib.Path
        ``dest``, holding every file of ``files`` with its expected md5.

    Raises
    ------
    DownloadCancelled
        ``cancel`` was set. Files finished before remain; nothing partial does.
    DownloadError
        A file failed on every mirror (the message lists each mirror's reason), or the disk is
        full or not writable.
    """
    if dest is None:
        from .sources import cache_dir  # sources never imports this module: no cycle

        dest = cache_dir()
    dest = Path(dest)
    mirrors = MIRRORS if mirrors is None else tuple(mirrors)
    files = MNIST_FILES if files is None else files
    cancelled = _cancel_check(cancel)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"{dest}: cannot create the download folder ({exc.strerror or exc})") from exc
    for name, md5 in files.items():
        target = dest / name
        if target.is_file() and _md5_of(target) == md5:
            if progress is not None:
                size = target.stat().st_size
                progress(name, size, size)
            continue
        failures = []
        for mirror in mirrors:
            if cancelled():
                raise DownloadCancelled(f"{name}: download cancelled")
            url = mirror.rstrip("/") + "/" + name
            try:
                _fetch(url, target, md5, timeout, progress, cancelled)
                break
            except _MirrorFailed as exc:
                failures.append(f"{url}: {exc}")
        else:
            tried = "; ".join(failures) if failures else "no mirrors given"
            raise DownloadError(f"could not download {name} from any mirror ({tried})")
    return dest
