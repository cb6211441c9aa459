"""Shared pieces of the fuzz tests: byte mutations and a per-example time limit."""

from __future__ import annotations

import contextlib
import signal
import sys

from hypothesis import strategies as st


class Hang(Exception):
    """An example ran longer than the time limit."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail (raise Hang) if the block runs longer than ``seconds`` (POSIX; no limit elsewhere)."""
    if sys.platform == "win32":
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@st.composite
def mutated(draw, data: bytes, max_ops: int = 4) -> bytes:
    """``data`` with 1..max_ops random edits: flip bits, overwrite, insert, delete, truncate."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        n = len(buf)
        if op == "truncate":
            del buf[draw(st.integers(0, n)):]
        elif op == "insert":
            at = draw(st.integers(0, n))
            buf[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif n == 0:
            continue
        elif op == "flip":
            at = draw(st.integers(0, n - 1))
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            at = draw(st.integers(0, n - 1))
            buf[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x01, draw(st.integers(0, 255))]))
        else:
            at = draw(st.integers(0, n - 1))
            del buf[at:at + draw(st.integers(1, 16))]
    return bytes(buf)
