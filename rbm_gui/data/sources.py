"""Where data sets come from: the bundled sample, the downloaded full MNIST, or user IDX files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from rbm_gui.config import LIMITS

from .bundled import BUNDLED_SPLITS, bundled_file, load_bundled
from .dataset import Dataset
from .errors import DataError, IdxError
from .idx import read_idx, read_idx_header

__all__ = [
    "SourceInfo",
    "MNIST_SPLIT_FILES",
    "CACHE_ENV_VAR",
    "cache_dir",
    "clear_cache",
    "known_sources",
    "labels_path_for",
    "load_dataset",
]

#: Environment variable that replaces the whole cache directory (used by tests).
CACHE_ENV_VAR = "RBM_GUI_CACHE_DIR"

#: Split -> (images file, labels file) of the full MNIST set, as downloaded into :func:`cache_dir`.
MNIST_SPLIT_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

_BUNDLED_ORIGIN = {
    "train": "bundled MNIST sample (5,000 training digits, 500 per digit, sorted by label)",
    "test": "bundled MNIST test set (10,000 digits)",
}
_BUNDLED_NAME = {"train": "MNIST sample (bundled, 5,000 training digits)", "test": "MNIST test set (bundled)"}
_SPLITS = ("train", "test")


@dataclass(frozen=True)
class SourceInfo:
    """One loadable data set, as listed by :func:`known_sources`.

    ``load_dataset(info.spec, info.split)`` loads it. ``size_bytes`` is the on-disk size of its
    files (compressed), ``n_images`` the number of images its header declares.
    """

    spec: str
    split: str
    name: str
    n_images: int
    size_bytes: int
    origin: str


def cache_dir() -> Path:
    """Directory of the downloaded full MNIST set (not created here).

    ``$RBM_GUI_CACHE_DIR`` if set and non-empty, else ``platformdirs.user_cache_dir("rbm-gui")
    / "mnist"`` (e.g. ``~/.cache/rbm-gui/mnist`` on Linux).
    """
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("rbm-gui")) / "mnist"


def clear_cache() -> list[Path]:
    """Delete the downloaded MNIST files (and leftover download temporaries) from :func:`cache_dir`.

    Only files this program writes are removed, never anything else in the directory (the
    environment variable may point anywhere). Returns the removed paths.
    """
    directory = cache_dir()
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    names = {name for pair in MNIST_SPLIT_FILES.values() for name in pair}
    for path in directory.iterdir():
        # ".<name>.<random>.part" is the temporary name of rbm_gui.io.atomic used while downloading.
        is_temp = any(path.name.startswith(f".{n}.") and path.name.endswith(".part") for n in names)
        if path.is_file() and (path.name in names or is_temp):
            path.unlink()
            removed.append(path)
    try:
        directory.rmdir()  # only succeeds when nothing else is left in it
    except OSError:
        pass
    return removed


def labels_path_for(images_path: str | os.PathLike) -> Path | None:
    """The labels file conventionally beside an images file, or None if the name has no "images".

    ``train-images-idx3-ubyte.gz`` -> ``train-labels-idx1-ubyte.gz``; ``digits-images.idx`` ->
    ``digits-labels.idx``. Whether the file exists is not checked.
    """
    path = Path(images_path)
    if "images" not in path.name:
        return None
    name = path.name.replace("-images-idx3-ubyte", "-labels-idx1-ubyte").replace("images", "labels")
    return path.with_name(name)


def load_dataset(
    spec: str | os.PathLike = "mnist-sample",
    split: str = "train",
    *,
    labels_path: str | os.PathLike | None = None,
) -> Dataset:
    """Load a data set by name or path.

    Parameters
    ----------
    spec : str or os.PathLike
        ``"mnist-sample"`` (bundled: train = 5,000-digit sample sorted by label, test = the
        10,000 MNIST test digits), ``"mnist"`` (the full set downloaded into :func:`cache_dir`
        by ``rbm-gui download mnist``), or the path of an IDX images file (uint8, N x H x W).
    split : {"train", "test"}
        Which part of ``"mnist-sample"`` / ``"mnist"``; ignored for a path.
    labels_path : str or os.PathLike, optional
        Labels for a path ``spec`` (uint8-range integers, 1-D). By default the file named by
        :func:`labels_path_for` is used if it exists; otherwise the set is unlabelled.

    Returns
    -------
    Dataset
        images uint8 (N, H, W), labels uint8 (N,) or None.

    Raises
    ------
    DataError
        Unknown spec or split, full MNIST not downloaded, file missing or unreadable, malformed
        IDX (:class:`IdxError`), images not uint8 3-D, labels not 1-D 0..255 integers, or label
        count different from image count. The message names the file.
    """
    if split not in _SPLITS and spec in ("mnist-sample", "mnist"):
        raise DataError(f"unknown split {split!r} for {spec}: expected 'train' or 'test'")
    if spec == "mnist-sample":
        images, labels = load_bundled(split)
        return Dataset(f"mnist-sample/{split}", images, labels, _BUNDLED_ORIGIN[split])
    if spec == "mnist":
        directory = cache_dir()
        images_path, lbl_path = (directory / name for name in MNIST_SPLIT_FILES[split])
        missing = [p.name for p in (images_path, lbl_path) if not p.is_file()]
        if missing:
            raise DataError(
                f"{directory}: full MNIST is not downloaded ({', '.join(missing)} missing); "
                "run `rbm-gui download mnist` first"
            )
        try:
            images = _read_images(images_path)
            labels = _read_labels(lbl_path, images.shape[0])
        except IdxError as exc:
            # The downloader replaces any file whose md5 is wrong, so downloading again fixes it.
            raise IdxError(f"{exc}; run `rbm-gui download mnist` to fetch it again") from exc
        return Dataset(f"mnist/{split}", images, labels, str(images_path))
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(
            f"{spec}: no such data set: expected 'mnist-sample', 'mnist' or the path of an IDX images file"
        )
    images = _read_images(path)
    if labels_path is None:
        guess = labels_path_for(path)
        labels_path = guess if guess is not None and guess.is_file() else None
    labels = None if labels_path is None else _read_labels(Path(labels_path), images.shape[0])
    return Dataset(path.name, images, labels, str(path))


def _read(path: Path) -> np.ndarray:
    try:
        return read_idx(path)
    except OSError as exc:  # IdxError is a DataError already; this is missing / unreadable
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _read_images(path: Path) -> np.ndarray:
    # Shape and dtype are judged from the header, before the payload is read.
    try:
        dtype, shape = read_idx_header(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(shape) != 3:
        raise DataError(f"{path}: images must be 3-D (N, height, width), file has shape {shape}")
    if dtype != np.uint8:
        raise DataError(f"{path}: images must be uint8 pixels 0..255, file has {dtype}")
    if shape[0] == 0:
        raise DataError(f"{path}: the data set has no images")
    max_pixels = int(LIMITS["n_visible"][1])
    if shape[1] * shape[2] == 0 or shape[1] * shape[2] > max_pixels:
        raise DataError(f"{path}: images of {shape[1]}x{shape[2]} pixels; 1 to {max_pixels:,} pixels "
                        "per image are accepted")
    return _read(path)


def _read_labels(path: Path, n_images: int) -> np.ndarray:
    labels = _read(path)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{path}: labels must be 1-D integers, file has {labels.dtype} {labels.shape}")
    if labels.shape[0] != n_images:
        raise DataError(f"{path}: {labels.shape[0]:,} labels for {n_images:,} images")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise DataError(f"{path}: labels must be in 0..255")
    return labels.astype(np.uint8, copy=False)


def known_sources() -> list[SourceInfo]:
    """The data sets available right now: the bundled ones, then downloaded full MNIST splits.

    A downloaded split is listed only when both its files are present and their headers read;
    file contents are not verified here (that happens on load).
    """
    found: list[SourceInfo] = []
    for split, (images_name, labels_name) in BUNDLED_SPLITS.items():
        files = [bundled_file(images_name), bundled_file(labels_name)]
        try:
            size = sum(f.stat().st_size for f in files)  # type: ignore[attr-defined]
        except (AttributeError, OSError):  # a Traversable inside a zip has no stat()
            size = sum(len(f.read_bytes()) for f in files)
        n = read_idx_header(files[0])[1][0]
        found.append(
            SourceInfo("mnist-sample", split, _BUNDLED_NAME[split], n, size, _BUNDLED_ORIGIN[split])
        )
    directory = cache_dir()
    for split, names in MNIST_SPLIT_FILES.items():
        paths = [directory / name for name in names]
        if not all(p.is_file() for p in paths):
            continue
        try:
            n = read_idx_header(paths[0])[1][0]
            size = sum(p.stat().st_size for p in paths)
        except (DataError, OSError):
            continue  # unreadable: load_dataset will explain; don't offer it
        found.append(SourceInfo("mnist", split, f"MNIST full {split} set (downloaded)", n, size, str(paths[0])))
    return found
