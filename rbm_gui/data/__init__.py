"""Data layer of rbm-gui (no Qt): IDX files, the bundled MNIST sample, downloads, data sets.

Typical use::

    from rbm_gui.data import load_dataset
    ds = load_dataset("mnist-sample", "train")   # 5,000 digits, sorted by label
    v = ds.binarize()                              # bool (5000, 784)
"""

from .bundled import load_bundled
from .dataset import Dataset
from .download import MIRRORS, MNIST_FILES, download_mnist
from .errors import DataError, DownloadCancelled, DownloadError, IdxError
from .idx import read_idx, read_idx_header, write_idx
from .sources import SourceInfo, cache_dir, clear_cache, known_sources, labels_path_for, load_dataset

__all__ = [
    "DataError",
    "Dataset",
    "DownloadCancelled",
    "DownloadError",
    "IdxError",
    "MIRRORS",
    "MNIST_FILES",
    "SourceInfo",
    "cache_dir",
    "clear_cache",
    "download_mnist",
    "known_sources",
    "labels_path_for",
    "load_bundled",
    "load_dataset",
    "read_idx",
    "read_idx_header",
    "write_idx",
]
