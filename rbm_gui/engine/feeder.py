"""Each mini-batch's inputs -- its data columns and its random bits -- prepared one step ahead.

The trainer's step starts with work that does not depend on the model: gathering the batch's
rows from the data set (cache misses over tens of MB), writing them as columns, and drawing the
step's random bits. With one BLAS thread (small models) the second core idles, so a helper
thread prepares step s+1 while the trainer computes step s; the trainer's own thread then only
waits if the helper is late. Results do not depend on the thread: the bits come from their own
generator, one fixed-size block per step in step order, and the data are the rows the trainer
asks for, so the same seed gives bit-identical weights with or without the helper.

numpy and the standard library only.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

DTYPE = np.float32


def training_array(data, n_visible: int | None, stochastic: bool = False,
                   any_values: bool = False) -> tuple[np.ndarray, float]:
    """The training data as the feeder takes it, and the scale of its values (255 for grey levels).

    - bool, or integers 0/1: uint8 0/1. With ``stochastic``, integers 0..255 are grey levels
      (binarised afresh for every mini-batch, P(on) = grey / 255).
    - floats in [0, 1]: probabilities. Only 0s and 1s: uint8 0/1, the same model faster. Else
      float32: as they are in the positive phase (scikit-learn's BernoulliRBM does the same), or,
      with ``stochastic``, binarised afresh for every mini-batch with P(on) = value.
    Anything else (NaN, out of range, other dtypes) raises ValueError with what was wrong;
    ``any_values`` lets finite floats outside [0, 1] through, used as they are (as scikit-learn;
    the trainer then stops only on non-finite updates, see ``tuning.MAX_WEIGHT_RMS``).
    """
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != (n_visible or data.shape[1]):
        raise ValueError(f"training data must be (N, {n_visible or 'pixels'}), got {data.shape}")
    if data.shape[0] < 1:
        raise ValueError("training data is empty")
    kind = data.dtype.kind
    if kind == "b":     # same bytes, no copy (60,000 digits: 47 MB); with stochastic, grey 0 or 1 as before
        return data.view(np.uint8), (255.0 if stochastic else 1.0)
    if kind in "ui":
        top = 255 if stochastic else 1
        lo, hi = int(data.min()), int(data.max())
        if lo < 0 or hi > top:
            hint = "" if stochastic else " (grey levels 0..255 need stochastic=True)"
            raise ValueError(f"integer training data must be 0..{top}, got values from {lo} to {hi}{hint}")
        return (data if data.dtype == np.uint8 else data.astype(np.uint8)), (255.0 if stochastic else 1.0)
    if kind != "f":
        raise ValueError(f"training data must be bool, integer or float, got dtype {data.dtype}")
    if not np.isfinite(data).all():
        raise ValueError("training data contain NaN or infinite values")
    lo, hi = float(data.min()), float(data.max())
    if not any_values and (lo < 0.0 or hi > 1.0):
        raise ValueError(f"float training data are probabilities and must lie in [0, 1], "
                         f"got values from {lo:g} to {hi:g}")
    if lo >= 0.0 and hi <= 1.0:
        as_bits = data.astype(np.uint8)
        if np.array_equal(as_bits, data):      # only 0s and 1s
            return as_bits, 1.0
    return np.ascontiguousarray(data, dtype=DTYPE), 1.0


def bits_generator(rng: np.random.Generator) -> np.random.BitGenerator:
    """The bits' own stream: an SFC64 (its raw output was 23% faster than PCG64's here) seeded
    from ``rng`` without drawing from it when possible (from ``jumped()``, 2^127 steps ahead)."""
    try:
        seed = rng.bit_generator.jumped().random_raw(2)
    except AttributeError:      # a bit generator without jumps: seed from draws of rng itself
        seed = rng.integers(0, 2**63, size=2)
    return np.random.SFC64(np.random.SeedSequence([int(x) for x in seed]))


class BatchFeeder:
    """Two column buffers ``(n_visible+1, 2B+2)`` (data | negative visibles | two spare
    columns; the last row is the trainer's) used in turn, and a block of ``words`` random 64-bit
    words per step.

    ``take(idx)`` returns the buffer and bits for the current step, with the rows ``idx`` of
    ``data`` in the buffer's first columns (from the helper when it prepared exactly these rows,
    else copied now). ``prepare(next_idx)`` starts preparing the next step (``next_idx`` None:
    only the bits). With ``threaded=False`` everything happens in ``take``, in the same order.
    """

    def __init__(self, data: np.ndarray, batch_size: int, words: int, bits: np.random.BitGenerator,
                 threaded: bool, binarise=None, lit_rows: bool = False):
        nv = data.shape[1]
        self.data, self.B, self.words, self.bits = data, batch_size, int(words), bits
        self.binarise = binarise          # stochastic binarisation (uses the trainer's rng): never ahead
        self.V = [np.zeros((nv + 1, 2 * batch_size + 2), DTYPE) for _ in range(2)]
        self.rows = [np.empty((batch_size, nv), data.dtype) for _ in range(2)]
        self.cols = [np.empty((nv, batch_size), np.uint8) for _ in range(2)]
        # with lit_rows: the pixels on in some sample of the batch, then n_visible (the ones row);
        # lit[k][-1] holds how many there are
        self.lit = [np.empty(nv + 2, np.intp) for _ in range(2)] if lit_rows else None
        self._next = 0                    # the buffer the next take() returns
        self._ready_idx = None            # rows the helper put in that buffer, and their key
        self._ready_key = None
        self._pending = False             # the helper is preparing (or has prepared) the next step
        self._box = [None]
        self._worker = _Worker() if threaded else None
        if self._worker is not None:
            self._finalizer = weakref.finalize(self, self._worker.stop)

    @property
    def threaded(self) -> bool:
        return self._worker is not None

    def take(self, idx: np.ndarray, key=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The step's buffer, its bits as int16, and (with ``lit_rows``) the rows of the buffer
        not all 0 in the batch's data columns: the lit pixels, then the ones row.

        ``key`` (optional) names ``idx`` cheaply: ``(array, start)`` for ``array[start:start+B]``;
        with keys on both calls the prepared rows are recognised without comparing indices."""
        ready_bits = None
        if self._pending:
            self._worker.wait()
            self._pending = False
            ready_bits = self._box[0]
        k = self._next
        ready = self._ready_idx is not None and (
            (key[0] is self._ready_key[0] and key[1] == self._ready_key[1]) if key is not None and self._ready_key
            else np.array_equal(self._ready_idx, idx))
        if not ready:
            _load(self.data, self.rows[k], self.cols[k], self.V[k], idx, self.binarise, self._lit(k))
        bits = ready_bits if ready_bits is not None else self.bits.random_raw(self.words)
        self._ready_idx = self._ready_key = None
        self._next = 1 - k
        lit = None
        if self.lit is not None:
            lit = self.lit[k]
            lit = lit[:lit[-1]]
        return self.V[k], bits.view(np.int16), lit

    def _lit(self, k: int) -> np.ndarray | None:
        return None if self.lit is None else self.lit[k]

    def prepare(self, next_idx: np.ndarray | None, key=None) -> None:
        if self._worker is None:
            return
        if self.binarise is not None:
            next_idx = None
        k = self._next
        self._box = [None]      # the job refers to arrays only, never to the feeder (no cycle)
        self._worker.run(_prepare, self.data, self.rows[k], self.cols[k], self.V[k], next_idx, self.bits, self.words,
                         self._box, self._lit(k))
        self._ready_idx, self._ready_key = next_idx, (key if next_idx is not None else None)
        self._pending = True

    def close(self) -> None:
        """Stop the helper thread (also done when the feeder is garbage-collected)."""
        if self._worker is not None:
            if self._pending:
                self._worker.wait()
                self._pending = False
            self._finalizer()


def _load(data, rows, cols, V, idx, binarise=None, lit=None) -> None:
    """Rows ``idx`` of ``data`` into the first columns of ``V`` (above its last row); with
    ``lit``, also the indices of the pixels on in some of them (see ``BatchFeeder.take``)."""
    m = len(idx)
    np.take(data, idx, axis=0, out=rows[:m], mode="clip")   # "clip": out unbuffered (2x faster)
    src = rows[:m] if binarise is None else binarise(rows[:m])
    if lit is not None:
        bits = src.view(np.uint32 if src.dtype == DTYPE else np.uint8)     # nonzero <=> some bit set
        on = np.flatnonzero(np.bitwise_or.reduce(bits, axis=0))
        n = len(on)
        lit[:n] = on
        lit[n] = len(lit) - 2           # the ones row
        lit[-1] = n + 1
    if src.dtype == DTYPE:              # probabilities (see training_array): as they are
        np.copyto(V[:-1, :m], src.T)
        return
    np.copyto(cols[:, :m], src.T)            # transposed as bytes, then cast (plain casts are fast:
    np.copyto(V[:-1, :m], cols[:, :m])       # 33 us for 784 x 100 here, a multiply-and-cast 47)


def _prepare(data, rows, cols, V, idx, bits, words, box, lit=None) -> None:
    if idx is not None:
        _load(data, rows, cols, V, idx, lit=lit)
    box[0] = bits.random_raw(words)


class _Worker:
    """One daemon thread running one job at a time, handed over with two locks (no polling)."""

    def __init__(self):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job = None                  # (function, args): arrays only
        self._error: BaseException | None = None
        self._alive = True
        threading.Thread(target=self._loop, name="rbm-batch-feeder", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            if not self._alive:
                return
            fn, args = self._job
            try:
                fn(*args)
            except BaseException as e:      # re-raised in the trainer's thread by wait()
                self._error = e
            self._job = fn = args = None
            self._done.release()

    def run(self, fn, *args) -> None:
        self._job = (fn, args)
        self._go.release()

    def wait(self) -> None:
        self._done.acquire()
        if self._error is not None:
            e, self._error = self._error, None
            raise e

    def stop(self) -> None:
        self._alive = False
        try:
            self._go.release()
        except RuntimeError:    # a job is queued: the thread wakes for it and sees _alive False
            pass
