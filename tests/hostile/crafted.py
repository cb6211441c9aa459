"""Makers of hostile files: bombs that declare far more than they hold, odd file kinds, bad meta.

Bombs are made by patching sizes into the zip directory (and the npy header) rather than by
compressing gigabytes, so each file takes milliseconds to make yet tells the reader exactly
what a real bomb would: "this member decompresses to 3.6 GB".
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from rbm_gui.io.model_file import SavedModel, save_model


def small_model(nv: int = 16, nh: int = 3, **meta) -> SavedModel:
    rng = np.random.default_rng(0)
    base = {"image_shape": [4, nv // 4], "epochs_done": 1, "history": {"epoch": [1.0]},
            "hyperparameters": {"n_hidden": nh}, "dataset": "x"}
    base.update(meta)
    return SavedModel(rng.normal(0, 0.1, (nv, nh)).astype(np.float32), np.zeros(nv, np.float32),
                      np.zeros(nh, np.float32), base)


def npy_header(dtype: str, shape: tuple) -> bytes:
    """A version 1.0 .npy header declaring ``shape`` of ``dtype`` (no data)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def npz_with(path: Path, members: dict[str, bytes], declared: dict[str, int] | None = None,
             compress: bool = True) -> Path:
    """A zip of raw ``members`` (name -> bytes); ``declared`` patches a member's uncompressed size."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    for name, size in (declared or {}).items():
        _patch_size(path, name, size)
    return path


def _patch_size(path: Path, name: str, size: int) -> None:
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    # local header: size at +22; central directory entry: size at +24; name follows the fixed part.
    for sig, fixed, at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        start = 0
        while (start := data.find(sig, start)) >= 0:
            if data[start + fixed:start + fixed + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + at, size)
            start += 4
    path.write_bytes(bytes(data))


def model_bomb(path: Path, name: str, dtype: str, shape: tuple, payload: int = 1 << 20) -> Path:
    """A valid small model plus/with member ``name`` declaring ``shape`` but holding ``payload`` bytes."""
    save_model(path, small_model())
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    header = npy_header(dtype, shape)
    payload = min(payload, int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize)
    members[f"{name}.npy"] = header + bytes(payload)
    declared = len(header) + int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
    # zip32 sizes: beyond 4 GB the directory cannot agree with the header (also refused).
    return npz_with(path, members, {f"{name}.npy": min(declared, 0xFFFFFFFE)})


def model_with_meta(path: Path, **meta) -> Path:
    """A model file whose meta JSON gets ``meta`` merged in raw (types not checked on the way)."""
    save_model(path, small_model())
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    current = json.loads(np.load(io.BytesIO(members["meta.npy"])).item())
    current.update(meta)
    buf = io.BytesIO()
    np.save(buf, np.array(json.dumps(current), dtype=np.str_))
    members["meta.npy"] = buf.getvalue()
    return npz_with(path, members, compress=False)


def model_with_arrays(path: Path, **arrays) -> Path:
    """A model file with extra members written raw (their shapes not checked on the way)."""
    save_model(path, small_model())
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    for name, array in arrays.items():
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=True)
        members[f"{name}.npy"] = buf.getvalue()
    return npz_with(path, members, compress=False)


def idx_gzip_bomb(path: Path, shape: tuple, payload: int = 2 << 20) -> Path:
    """A gzip IDX (uint8) declaring ``shape`` but holding ``payload`` random bytes.

    Random bytes do not compress, so the file is as large as its payload and the deflate-ratio
    bound (1,100:1) cannot tell it from a file that really holds what it declares.
    """
    header = bytes([0, 0, 0x08, len(shape)]) + np.asarray(shape, ">u4").tobytes()
    noise = np.random.default_rng(0).integers(0, 256, payload, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(header + noise, compresslevel=1))
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path
