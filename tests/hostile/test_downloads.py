"""Hostile mirrors: trickling, endless, silent and mute peers meet deadlines, caps and cancel.

A local server (never the internet) misbehaves in the ways a stalled or malicious mirror can:
each case must end within its bound and leave no file, partial or temporary.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import pytest

from rbm_gui.data import DownloadCancelled, DownloadError
from rbm_gui.data.download import download_mnist

from tests.hostile.conftest import BODY, NAME


def files():
    return {NAME: hashlib.md5(BODY).hexdigest()}


def fetch(tmp_path, url, **kw):
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=[url], files=files(), **kw)
    message = str(info.value)
    assert "\n" not in message and NAME in message
    assert list(tmp_path.iterdir()) == []                # nothing partial, no temporary file
    return message, time.monotonic() - start, info.value


def test_trickling_peer_fails_on_the_minimum_rate(tmp_path, hostile):
    message, seconds, _ = fetch(tmp_path, hostile("trickle"), timeout=1.0)
    assert "too slow" in message and seconds < 3


def test_overall_deadline_stops_a_slow_but_steady_peer(tmp_path, hostile):
    message, seconds, _ = fetch(tmp_path, hostile("steady"), timeout=1.0, deadline=0.2, min_rate=1)
    assert "not finished within" in message and seconds < 1.5


def test_endless_body_without_length_stops_at_the_size_cap(tmp_path, hostile):
    message, seconds, _ = fetch(tmp_path, hostile("endless"), sizes={NAME: len(BODY)}, timeout=2)
    assert "too large" in message and seconds < 3


def test_endless_body_of_unknown_size_stops_at_the_general_cap(tmp_path, hostile, monkeypatch):
    from rbm_gui.config import FILE_LIMITS
    monkeypatch.setitem(FILE_LIMITS, "download_bytes", 1 << 20)
    message, seconds, _ = fetch(tmp_path, hostile("endless"), timeout=2)
    assert "too large" in message and seconds < 5


def test_announced_size_beyond_the_known_one_is_refused_before_reading(tmp_path, hostile):
    message, seconds, _ = fetch(tmp_path, hostile("liar"), sizes={NAME: len(BODY)})
    assert "wrong size" in message and seconds < 2


@pytest.mark.parametrize("mode", ["silent", "mute"])
def test_cancel_interrupts_a_blocked_read_within_a_second(tmp_path, hostile, mode):
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, mirrors=[hostile(mode)], files=files(), cancel=cancel, timeout=30)
    assert time.monotonic() - start < 1.5                 # set at 0.5 s, honoured within 1 s
    assert list(tmp_path.iterdir()) == []


def test_cancel_while_connecting_to_a_black_hole(tmp_path):
    # A listening socket that never accepts: the connection stays in the backlog, unanswered.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/x/"
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        start = time.monotonic()
        with pytest.raises(DownloadCancelled):
            download_mnist(tmp_path, mirrors=[url], files=files(), cancel=cancel, timeout=30)
        assert time.monotonic() - start < 1.3
