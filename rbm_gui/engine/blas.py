"""How many threads the BLAS (OpenBLAS under numpy) may use.

On a 2-core machine with anything else running (the GUI thread, a frame encoder, another
program) multi-threaded OpenBLAS was measured 10-20x SLOWER than one thread for an RBM's matrix
products, because its threads spin-wait on cores they do not get; on an idle machine two threads
are up to ~2x faster for large models. The thread count also changes the last bits of some
products (OpenBLAS picks other kernels), so it is chosen deterministically, never by timing:
the same settings on the same machine give bit-identical weights.

Uses ``threadpoolctl``; without it nothing is changed. OpenBLAS's thread count is process-wide,
so the engine sets it only for its own work (``BlasThreads``) and restores it afterwards: code
that shares the process (a notebook, scikit-learn) never finds it changed.
"""

from __future__ import annotations

import contextlib
import functools


@functools.lru_cache(maxsize=1)
def blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries, or None when unavailable."""
    import numpy  # noqa: F401  (loads numpy's OpenBLAS: the controller only sees loaded libraries)
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    try:
        ctl = ThreadpoolController()
    except Exception:       # an unusual BLAS it cannot inspect: run as is
        return None
    return ctl if ctl.select(user_api="blas").lib_controllers else None


@functools.lru_cache(maxsize=1)
def max_blas_threads() -> int:
    """The BLAS's own thread count when this process first asked (before any limit was set here)."""
    ctl = blas_controller()
    if ctl is None:
        return 1
    return max(lib.num_threads for lib in ctl.select(user_api="blas").lib_controllers)


#: Below this many multiply-adds per matrix product (batch x n_visible x n_hidden) one thread is
#: faster: measured on 2 cores, batch 50 x 784 pixels, n_hidden 20: 145k digits/s on one thread,
#: 92k on two; from n_hidden 100 on, two threads win (73k vs 65k; 400 units: 30k vs 21k).
SMALL_PRODUCT = 50 * 784 * 64


def threads_for(batch: int, n_visible: int, n_hidden: int) -> int:
    """Deterministic BLAS thread count for a trainer's products: 1 for small ones, else all."""
    return 1 if batch * n_visible * n_hidden < SMALL_PRODUCT else max_blas_threads()


class BlasThreads:
    """A re-entrant scope: ``with scope:`` runs the enclosed work on ``n`` BLAS threads and then
    restores the count it found (None: leave the count alone).

    Cheaper than threadpoolctl's ``limit`` context (~7 us): it reads and sets the libraries'
    counts directly (~0.5 us per call), and not at all when nested or already right, so the
    trainer can scope every single step.
    """

    def __init__(self, n: int | None):
        self.n = None if n is None else int(n)
        ctl = blas_controller() if n is not None else None
        self._libs = [] if ctl is None else list(ctl.select(user_api="blas").lib_controllers)
        self._depth = 0
        self._saved: list[int] = []

    def __enter__(self) -> "BlasThreads":
        if self._depth == 0 and self._libs:
            max_blas_threads()      # remember the original count before the first change
            self._saved = [lib.num_threads for lib in self._libs]
            for lib, now in zip(self._libs, self._saved):
                if now != self.n:
                    lib.set_num_threads(self.n)
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            for lib, was in zip(self._libs, self._saved):
                if was != self.n:
                    lib.set_num_threads(was)


def set_blas_threads(n: int) -> None:
    """Set the process-wide count (benchmarks; the engine itself uses ``BlasThreads``)."""
    max_blas_threads()          # remember the original count before the first change
    ctl = blas_controller()
    if ctl is not None:
        ctl.limit(limits=int(n), user_api="blas")


@contextlib.contextmanager
def single_blas_thread():
    """Run the enclosed matrix products on one BLAS thread (restored afterwards).

    For small products (a few Gibbs chains, 8 x 784 @ 784 x 400) one thread is always at least
    as fast, and it leaves the other core to the GUI or the encoder.
    """
    ctl = blas_controller()
    if ctl is None:
        yield
        return
    with ctl.limit(limits=1, user_api="blas"):
        yield
