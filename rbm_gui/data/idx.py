"""Read and write IDX files, the format of MNIST, raw or gzip-compressed.

An IDX file is a 4-byte magic number (two zero bytes, a dtype code, the number of dimensions),
one big-endian uint32 per dimension, then the C-ordered big-endian payload. Nothing else: the
reader insists on the exact payload length, so truncated and over-long files are both errors.
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import IO, Any

import numpy as np

from rbm_gui.config import FILE_LIMITS
from rbm_gui.io.atomic import atomic_open
from rbm_gui.io.safe_read import open_regular

from .errors import IdxError

__all__ = ["read_idx", "read_idx_header", "write_idx", "IDX_DTYPES", "MAX_ELEMENTS", "MAX_PAYLOAD_BYTES"]

#: IDX dtype code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}

#: Largest element count a header may declare. Checked before anything is allocated, so a fuzzed
#: header cannot make the reader ask for terabytes. The full MNIST train set has 47e6 elements.
MAX_ELEMENTS = 2**31
#: Largest decompressed payload accepted (``config.FILE_LIMITS["idx_bytes"]``, 1 GiB), checked
#: from the header before any payload byte is read: a 2 MB gzip declaring 2 GB is refused at once.
MAX_PAYLOAD_BYTES = FILE_LIMITS["idx_bytes"]

_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot compress better than about 1032:1, so a gzip file of S bytes cannot hold more
# than ~1032*S decompressed bytes: a header declaring more is a truncated file, which we can say
# before allocating the payload.
_MAX_DEFLATE_RATIO = 1100
_READ_CHUNK = 1 << 20


def _open_binary(path: Any) -> IO[bytes]:
    # str / PathLike, or an importlib.resources Traversable (bundled data inside a wheel).
    if isinstance(path, (str, bytes, os.PathLike)):
        return open_regular(path)  # a FIFO or device would block or never end
    return path.open("rb")


def _file_size(fh: IO[bytes]) -> int:
    here = fh.tell()
    size = fh.seek(0, os.SEEK_END)
    fh.seek(here)
    return size


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads; fewer only at end of stream."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _parse_header(stream: IO[bytes], where: str, hasher: Any) -> tuple[np.dtype, tuple[int, ...]]:
    magic = _read_exact(stream, 4)
    if hasher is not None:
        hasher.update(magic)
    if len(magic) < 4:
        raise IdxError(f"{where}: too short for an IDX header ({len(magic)} bytes)")
    if magic[0] != 0 or magic[1] != 0:
        raise IdxError(f"{where}: not an IDX file (magic bytes {magic.hex(' ')})")
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        raise IdxError(f"{where}: unknown IDX dtype code 0x{code:02X}")
    if not 1 <= ndim <= 4:
        raise IdxError(f"{where}: unsupported number of dimensions {ndim} (expected 1 to 4)")
    raw_dims = _read_exact(stream, 4 * ndim)
    if hasher is not None:
        hasher.update(raw_dims)
    if len(raw_dims) < 4 * ndim:
        raise IdxError(f"{where}: truncated header ({ndim} dimensions declared)")
    shape = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    n_elements = 1
    for d in shape:  # Python ints: no overflow whatever the header says
        n_elements *= d
    if n_elements > MAX_ELEMENTS:
        raise IdxError(
            f"{where}: header declares shape {shape} ({n_elements:,} elements), "
            f"more than the {MAX_ELEMENTS:,} this reader accepts"
        )
    return IDX_DTYPES[code], shape


def _read(path: Any, hasher: Any, header_only: bool) -> Any:
    where = str(path)
    try:
        with _open_binary(path) as fh:
            compressed = fh.read(2) == _GZIP_MAGIC
            fh.seek(0)
            file_size = _file_size(fh)
            stream: IO[bytes] = gzip.GzipFile(fileobj=fh, mode="rb") if compressed else fh
            with stream:
                dtype, shape = _parse_header(stream, where, hasher)
                if header_only:
                    return dtype, shape
                header_len = 4 + 4 * len(shape)
                n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                if n_bytes > MAX_PAYLOAD_BYTES:
                    raise IdxError(
                        f"{where}: header declares {n_bytes:,} payload bytes, more than the "
                        f"{MAX_PAYLOAD_BYTES:,} this reader accepts"
                    )
                if not compressed and header_len + n_bytes > file_size:
                    raise IdxError(
                        f"{where}: truncated: header declares {n_bytes:,} payload bytes, "
                        f"file has {file_size - header_len:,}"
                    )
                if compressed and header_len + n_bytes > _MAX_DEFLATE_RATIO * file_size + 1024:
                    raise IdxError(
                        f"{where}: truncated: header declares {n_bytes:,} payload bytes, "
                        f"more than a {file_size:,}-byte gzip file can hold"
                    )
                return _read_payload(stream, where, dtype, shape, n_bytes, hasher)
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise IdxError(f"{where}: corrupt gzip data ({exc})") from exc
    except EOFError as exc:
        raise IdxError(f"{where}: truncated gzip stream") from exc


def _read_payload(stream, where, dtype, shape, n_bytes, hasher) -> np.ndarray:
    array = np.empty(shape, dtype=dtype)
    # Read straight into the array's memory: one copy of the payload, not two.
    buffer = memoryview(array.reshape(-1).view(np.uint8))
    got = 0
    while got < n_bytes:
        n = stream.readinto(buffer[got : got + _READ_CHUNK])
        if not n:
            break
        got += n
    if got < n_bytes:
        raise IdxError(f"{where}: truncated: {got:,} of {n_bytes:,} payload bytes present")
    if hasher is not None:
        hasher.update(buffer)
    # Reading one byte past the payload also makes gzip check its CRC and length trailer.
    if stream.read(1):
        raise IdxError(f"{where}: trailing bytes after the {n_bytes:,}-byte payload")
    if not array.dtype.isnative:
        array.byteswap(inplace=True)
        array = array.view(array.dtype.newbyteorder("="))
    return array


def read_idx(path: str | os.PathLike, *, hasher: Any = None) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed (detected by its magic bytes, not its name).

    Parameters
    ----------
    path : str or os.PathLike or importlib.resources.abc.Traversable
        The file to read.
    hasher : hashlib hash object, optional
        If given, updated with every decompressed byte of the file (header then payload), so a
        caller can verify a checksum of the decompressed content without reading it twice.

    Returns
    -------
    numpy.ndarray
        Array of the declared shape (1 to 4 dimensions) and dtype (uint8, int8, int16, int32,
        float32 or float64) in native byte order, writable, C-contiguous. MNIST images come
        back as uint8 (N, 28, 28), labels as uint8 (N,).

    Raises
    ------
    IdxError
        Bad magic number, unknown dtype code, bad number of dimensions, header declaring more
        than :data:`MAX_ELEMENTS` elements or :data:`MAX_PAYLOAD_BYTES` bytes, truncated payload, trailing bytes, corrupt or
        truncated gzip stream. The message names the file.
    OSError
        The file cannot be opened (missing, permission denied), or is not a regular file
        (:class:`rbm_gui.io.safe_read.NotRegularFileError`: a FIFO, device or directory).
    """
    return _read(path, hasher, header_only=False)


def read_idx_header(path: str | os.PathLike) -> tuple[np.dtype, tuple[int, ...]]:
    """Read only the header of an IDX file: ``(dtype, shape)``, dtype in native byte order.

    Cheap (a few bytes decompressed) and validated like :func:`read_idx`, but the payload
    length is not checked. Raises :class:`IdxError` or :class:`OSError` like :func:`read_idx`.
    """
    dtype, shape = _read(path, None, header_only=True)
    return dtype.newbyteorder("="), shape


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file, atomically (a reader never sees a half-written file).

    Parameters
    ----------
    path : str or os.PathLike
        Destination. Replaced only once the whole file is written.
    array : numpy.ndarray
        1 to 4 dimensions, dtype uint8, int8, int16, int32, float32 or float64 (any byte order;
        stored big-endian), each dimension < 2**32.
    compress : bool, optional
        Gzip the file. ``None`` (default) compresses when the name ends in ``.gz``.

    Raises
    ------
    ValueError
        Unsupported dtype or number of dimensions.
    OSError
        The file cannot be written; the previous file at ``path``, if any, is left untouched.
    """
    array = np.asarray(array)
    code = _CODES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    if not 1 <= array.ndim <= 4:
        raise ValueError(f"IDX stores 1 to 4 dimensions, array has {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"dimension too large for IDX: shape {array.shape}")
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).reshape(-1).view(np.uint8)
    with atomic_open(path, "wb") as fh:
        if compress:
            # filename="" keeps the temporary file's name out of the gzip header; mtime=0 makes
            # the bytes reproducible.
            with gzip.GzipFile(filename="", fileobj=fh, mode="wb", mtime=0) as gz:
                gz.write(header)
                gz.write(payload)
        else:
            fh.write(header)
            fh.write(payload)
