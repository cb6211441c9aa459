"""Exceptions of the data layer.

Every message is one plain line that names the file (or URL) and says what is wrong, so the UI
can show ``str(error)`` as it is, without a traceback.
"""

from __future__ import annotations

__all__ = ["DataError", "IdxError", "DownloadError", "DownloadCancelled"]


class DataError(Exception):
    """A data set cannot be found, read or used (base class of every data-layer error)."""


class IdxError(DataError):
    """An IDX file is malformed: bad magic, bad dimensions, truncated, trailing bytes, bad gzip.

    The only error type :func:`rbm_gui.data.idx.read_idx` raises for bad file content.
    """


class DownloadError(DataError):
    """A download failed on every mirror, or the downloaded file could not be stored."""


class DownloadCancelled(DownloadError):
    """The user cancelled a download; nothing partial was left on disk."""
