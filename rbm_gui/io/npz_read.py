"""Read a ``.npz`` archive with every size checked before anything is decompressed.

``np.load`` decompresses a member whole before the caller can look at its shape, so a 2 MB file
can hold a member that inflates to gigabytes. Here the zip directory and each member's ``.npy``
header (a few hundred bytes) are read first; the caller's ``check(name, dtype, shape)`` refuses
what the format does not allow, the declared sizes must agree with the headers, and only then
are the members read, each at most its declared size (``zipfile`` stops at that size and checks
the CRC).
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO, Callable

import numpy as np

__all__ = ["NpzRefused", "read_npz"]

_EOCD = b"PK\x05\x06"
# A legitimate model has a handful of members: a central directory larger than this (each
# entry ~50-100 bytes) is a file crafted to make zipfile build millions of entries.
_MAX_DIRECTORY_BYTES = 64 * 1024
_MAX_MEMBERS = 256
_MAX_HEADER = 10_000  # numpy's own default max_header_size


class NpzRefused(ValueError):
    """The archive is refused; the message says why (without the file name)."""


def _directory_size(fh: IO[bytes]) -> None:
    """Refuse an archive whose end record declares a huge central directory or zip64."""
    size = fh.seek(0, 2)
    tail_len = min(size, 22 + 65_535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return  # not a zip: zipfile says so itself
    entries, cd_size = struct.unpack("<HI", tail[at + 10:at + 16])
    if cd_size > _MAX_DIRECTORY_BYTES or entries > _MAX_MEMBERS:
        raise NpzRefused(f"archive directory too large ({entries} entries, {cd_size:,} bytes)")


def _header(member: IO[bytes]) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=_MAX_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=_MAX_HEADER)
    else:
        raise NpzRefused(f"unsupported .npy version {version}")
    return dtype, tuple(int(n) for n in shape), fortran, member.tell()


def read_npz(fh: IO[bytes], check: Callable[[dict[str, tuple[np.dtype, tuple[int, ...]]]], None],
             max_total: int, required: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Every member of the archive ``fh`` as ``{name without .npy: array}``.

    ``check({name: (dtype, shape)})`` is called once with every member's header, before any
    member's data is read, and raises NpzRefused for what the caller does not accept. Members
    that are not ``.npy`` files, object dtypes, negative dimensions, and declared sizes that
    disagree with the headers are refused, as is a total beyond ``max_total`` bytes, and an
    archive without the members named in ``required`` (checked first). Raises
    NpzRefused, or zipfile/zlib/OSError errors for a damaged archive.
    """
    _directory_size(fh)
    fh.seek(0)
    with zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        names = [info.filename for info in infos]
        missing = [name for name in required if f"{name}.npy" not in names]
        if missing:
            raise NpzRefused(f"not an rbm-gui model file: missing {', '.join(missing)}")
        for info in infos:
            if not info.filename.endswith(".npy") or info.is_dir():
                raise NpzRefused(f"member {info.filename!r} is not a numpy array")
        if len(set(names)) != len(names):
            raise NpzRefused("archive has two members of the same name")
        total, headers = 0, {}
        for info in infos:
            name = info.filename[:-4]
            with zf.open(info) as member:
                try:
                    dtype, shape, _, header_len = _header(member)
                except NpzRefused:
                    raise
                except ValueError as exc:
                    raise NpzRefused(f"member {name!r}: bad .npy header ({exc})") from exc
            if dtype.hasobject:
                raise NpzRefused(f"member {name!r} holds pickled (object) data, which is refused for safety")
            if any(n < 0 for n in shape):
                raise NpzRefused(f"member {name!r} has a negative dimension {shape}")
            headers[name] = (dtype, shape)
            n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if info.file_size != header_len + n_bytes:
                raise NpzRefused(f"member {name!r}: the archive declares {info.file_size:,} bytes "
                                 f"but its header {header_len + n_bytes:,}")
            total += n_bytes
        check(headers)
        if total > max_total:
            raise NpzRefused(f"members hold {total:,} bytes, more than the {max_total:,} accepted")
        arrays = {}
        for info in infos:
            with zf.open(info) as member:
                array = np.lib.format.read_array(member, allow_pickle=False, max_header_size=_MAX_HEADER)
                if member.read(1):
                    raise NpzRefused(f"member {info.filename[:-4]!r} has trailing bytes")
            arrays[info.filename[:-4]] = array
        return arrays
