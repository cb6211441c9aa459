"""The training engine's measured tuning constants (the measurements: docs/engine-notes.md).

The trainer reads them through this module when it is built, so tests patch them here
(``monkeypatch.setattr(tuning, "LIT_MIN_HIDDEN", 1)``).
"""

#: Prepare each batch on a helper thread from this many pixels per batch on: for smaller batches
#: handing the work over costs more than it saves (measured break-even: batch ~56 of 784 pixels).
PREFETCH_MIN_PIXELS = 56 * 784

#: Products over the visible units take only the rows of pixels lit somewhere in the batch from
#: this many hidden units on (below, gathering the rows costs more than skipping them saves) ...
LIT_MIN_HIDDEN = 64
#: ... and only when at most this fraction of the rows is lit.
LIT_MAX_FRACTION = 0.85

#: Root-mean-square weight beyond which training counts as diverged: sensible MNIST models stay
#: below ~2.1, and at 5 every sigmoid is saturated and learning has stopped.
MAX_WEIGHT_RMS = 5.0

#: Bernoulli draws compare 16-bit uniforms with ``tanh(x / 2)``: four draws per 64-bit word, 3x
#: cheaper than float32 uniforms; P(on) is sigmoid(x) rounded up to a multiple of 2^-16.
BERNOULLI_BITS = 16
#: 32768: maps tanh in [-1, 1] onto the int16 range of the uniforms.
THRESHOLD_SCALE = 2.0 ** (BERNOULLI_BITS - 1)
