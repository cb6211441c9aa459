"""Fixtures for the export tests: real MNIST digits from the bundled files and small RBMs built from them.

The digits are read with a tiny IDX reader here, so these tests do not depend on rbm_gui.data.
"""

import gzip
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.engine.rbm import RBM

DATA = Path(__file__).resolve().parents[2] / "resources" / "data"


def read_idx_gz(path: Path) -> np.ndarray:
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


@pytest.fixture(scope="session")
def test_digits():
    """(images uint8 (2000, 28, 28), labels uint8 (2000,)): the first 2,000 MNIST test digits."""
    images = read_idx_gz(DATA / "t10k-images-idx3-ubyte.gz")[:2000]
    labels = read_idx_gz(DATA / "t10k-labels-idx1-ubyte.gz")[:2000]
    return images, labels


def class_mean_rbm(images, labels, n_hidden=10, seed=0):
    """An RBM whose unit j 'looks for' digit class j % 10: W from class means, plus a little noise.

    Deterministic, built in milliseconds, and gives P(h|v) near 0 and near 1 for real digits —
    enough for the reconstruction sheet's red borders and for dream chains that stay digit-like.
    """
    rng = np.random.default_rng(seed)
    v = (images.reshape(len(images), -1) >= 128).astype(np.float32)
    mean = v.mean(axis=0)
    W = np.stack([v[labels == (j % 10)].mean(axis=0) - mean for j in range(n_hidden)], axis=1) * 6.0
    W += rng.normal(0, 0.05, W.shape)
    c = -0.5 * (v @ W).mean(axis=0) - 1.0
    b = np.log(np.clip(mean, 1e-3, 1 - 1e-3) / (1 - np.clip(mean, 1e-3, 1 - 1e-3)))
    return RBM(W.astype(np.float32), b.astype(np.float32), c.astype(np.float32), (28, 28))


@pytest.fixture(scope="session")
def make_rbm():
    """The :func:`class_mean_rbm` builder (a fixture, so tests need not import this conftest)."""
    return class_mean_rbm


@pytest.fixture(scope="session")
def rbm10(test_digits):
    return class_mean_rbm(*test_digits, n_hidden=10)


@pytest.fixture(scope="session")
def starts8(test_digits):
    images, labels = test_digits
    from rbm_gui.engine.dream import start_digits
    return start_digits(images.reshape(len(images), -1), labels, "given", [6, 4, 4, 0, 5, 4, 9, 2],
                        rng=np.random.default_rng(3))
