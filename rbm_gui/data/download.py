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

from rbm_gui.config import FILE_LIMITS
from rbm_gui.io.atomic import atomic_path

from .errors import DownloadCancelled, DownloadError
from .transfer import MIN_RATE, POLL_SECONDS, MirrorFailed as _MirrorFailed, TransferGuard as _Guard, open_url

__all__ = ["MNIST_FILES", "MNIST_SIZES", "MIRRORS", "CHUNK_SIZE", "MIN_RATE", "POLL_SECONDS", "download_mnist"]

#: The four original MNIST gz files and the md5 the mirrors publish for them (as torchvision).
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

#: Published sizes of the MNIST gz files in bytes: a body larger than this is refused as it
#: arrives (also without a Content-Length), not after it filled the disk.
MNIST_SIZES: dict[str, int] = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
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


def _fetch(url: str, target: Path, md5: str, size: int | None, limits: tuple, progress, cancelled) -> None:
    """Stream ``url`` into ``target`` atomically; raise _MirrorFailed with the reason on failure."""
    timeout, deadline, min_rate = limits
    cap = size if size is not None else FILE_LIMITS["download_bytes"]
    request = urllib.request.Request(url, headers={"User-Agent": "rbm-gui"})
    guard = _Guard(target.name, cancelled, timeout, deadline, min_rate)
    try:
        # Network and local errors are both OSError, so network calls are wrapped one by one
        # and turned into _MirrorFailed; any OSError that escapes is a local (disk) problem.
        try:
            response = open_url(request, timeout, guard)
        except urllib.error.HTTPError as exc:
            exc.close()  # an HTTPError is also an open response
            raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise _MirrorFailed(_reason(exc.reason)) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _MirrorFailed(_reason(exc)) from exc
        guard.watch(response)
        with response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and (total > cap or (size is not None and total != size)):
                expected = f"{size:,} bytes expected" if size is not None else f"at most {cap:,} accepted"
                raise _MirrorFailed(f"wrong size: {total:,} bytes announced, {expected}")
            with atomic_path(target, suffix="") as tmp, open(tmp, "wb") as fh:
                _stream(response, fh, target.name, md5, cap, total, guard, progress)
    except OSError as exc:
        raise _local_error(exc, target) from exc
    finally:
        guard.close()


def _stream(response, fh, name, md5, cap, total, guard: _Guard, progress) -> None:
    digest = hashlib.md5(usedforsecurity=False)
    if progress is not None:
        progress(name, 0, total)
    while True:
        reason = guard.check()
        if reason is not None:
            raise reason
        try:
            chunk = response.read1(CHUNK_SIZE) if hasattr(response, "read1") else response.read(CHUNK_SIZE)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # The guard shutting the socket shows up here as an error or an early end.
            raise guard.check() or _MirrorFailed(f"{_reason(exc)} after {guard.done:,} bytes") from exc
        if not chunk:
            reason = guard.check()
            if reason is not None:
                raise reason
            break
        if guard.done + len(chunk) > cap:
            raise _MirrorFailed(f"too large: more than the {cap:,} bytes expected")
        fh.write(chunk)
        digest.update(chunk)
        guard.got(len(chunk))
        if progress is not None:
            progress(name, guard.done, total)
    # http.client returns b"" when the server hangs up early instead of raising.
    if total is not None and guard.done < total:
        raise _MirrorFailed(f"truncated: {guard.done:,} of {total:,} bytes")
    if digest.hexdigest() != md5:
        raise _MirrorFailed(f"md5 mismatch (got {digest.hexdigest()}, expected {md5})")
    fh.flush()
    os.fsync(fh.fileno())


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
    sizes: Mapping[str, int] | None = None,
    deadline: float | None = None,
    min_rate: float = MIN_RATE,
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
        Content-Length, md5 mismatch, a wrong or excessive size, the deadline, a peer slower
        than ``min_rate``.
    progress : callable, optional
        ``progress(file_name, bytes_done, bytes_total_or_None)``, called from the downloading
        thread: once at 0, after every chunk, and once with done == total for a reused file.
    cancel : threading.Event or callable returning bool, optional
        Checked every :data:`POLL_SECONDS` (0.1 s), also while a read is blocked or a connection
        is being made; when set, the download stops with :class:`DownloadCancelled` within
        about that time, whatever the peer does.
    timeout : float
        Seconds to wait for a connection, or for data once connected; also the grace period
        before ``min_rate`` applies.
    files : mapping of str to str, optional
        File name -> expected md5 (default :data:`MNIST_FILES`); tests pass their own.
    sizes : mapping of str to int, optional
        File name -> exact size in bytes (default :data:`MNIST_SIZES` when ``files`` is the
        default, else none). A body of another announced size, or growing beyond it, fails that
        mirror at once; files without a known size are capped at
        ``config.FILE_LIMITS["download_bytes"]``.
    deadline : float, optional
        Seconds one file may take on one mirror, connection included. Default ``timeout`` plus
        the time the file's size (or cap) takes at ``min_rate``.
    min_rate : float
        Bytes/s a mirror must average after the first ``timeout`` seconds (default 16 KiB/s):
        a peer trickling a few bytes a second fails instead of taking hours.

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
    if sizes is None:
        sizes = MNIST_SIZES if files is None else {}
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
                size = sizes.get(name)
                limit = deadline if deadline is not None else (
                    timeout + (size or FILE_LIMITS["download_bytes"]) / min_rate)
                _fetch(url, target, md5, size, (timeout, limit, min_rate), progress, cancelled)
                break
            except _MirrorFailed as exc:
                failures.append(f"{url}: {exc}")
        else:
            tried = "; ".join(failures) if failures else "no mirrors given"
            raise DownloadError(f"could not download {name} from any mirror ({tried})")
    return dest
