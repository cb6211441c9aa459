"""One HTTP transfer under a guard: cancel, deadline, no-data timeout and minimum rate.

``urllib`` offers only a per-read socket timeout, so a peer sending a byte every few seconds
never trips it, and a thread blocked in a read cannot see a Cancel button. The guard checks
every POLL_SECONDS on its own thread and, when the transfer must stop, shuts the socket down:
the blocked read returns at once and the reader raises the guard's reason.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.request

from .errors import DownloadCancelled

__all__ = ["MIN_RATE", "POLL_SECONDS", "MirrorFailed", "TransferGuard", "open_url"]


class MirrorFailed(Exception):
    """This mirror could not deliver this file; try the next one. The message is the reason."""


#: Seconds between checks of cancel and deadlines while a read or a connection is blocked.
POLL_SECONDS = 0.1
#: A mirror must average at least this many bytes/s once ``timeout`` seconds have passed.
MIN_RATE = 16 * 1024


class TransferGuard:
    """Watches one transfer; on cancel, deadline or a too-slow peer it breaks the blocked read.

    A helper thread checks every POLL_SECONDS and shuts the socket down, which makes a read
    that is waiting for the peer return at once: cancel is honoured within POLL_SECONDS even
    when the peer sends nothing.
    """

    def __init__(self, name, cancelled, timeout, deadline, min_rate):
        self.name, self.cancelled = name, cancelled
        self.timeout, self.deadline, self.min_rate = timeout, deadline, min_rate
        self.start = self.last_data = time.monotonic()
        self.done, self.reason, self.sock = 0, None, None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="download-guard", daemon=True)
        self._thread.start()

    def got(self, n: int) -> None:
        self.done += n
        self.last_data = time.monotonic()

    def check(self) -> BaseException | None:
        """Why the transfer must stop now, or None."""
        if self.reason is not None:
            return self.reason
        if self.cancelled():
            return DownloadCancelled(f"{self.name}: download cancelled")
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed > self.deadline:
            return MirrorFailed(f"timed out: not finished within {self.deadline:g} s, {self.done:,} bytes received")
        if now - self.last_data > self.timeout:
            return MirrorFailed(f"timed out: no data for {self.timeout:g} s after {self.done:,} bytes")
        if elapsed > self.timeout and self.done < self.min_rate * elapsed and self.sock is not None:
            return MirrorFailed(f"too slow: {self.done / elapsed:,.0f} bytes/s, below the minimum "
                                 f"{self.min_rate:,} bytes/s")
        return None

    def _watch(self) -> None:
        while not self._finished.wait(POLL_SECONDS):
            reason = self.check()
            if reason is not None:
                self.reason = reason
                sock = self.sock
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                return

    def watch(self, response) -> None:
        """From now on a stop also shuts down the socket of ``response``."""
        self.sock = socket_of(response)

    def close(self) -> None:
        self._finished.set()
        self._thread.join()


def socket_of(response) -> socket.socket | None:
    # http.client keeps the socket only inside the response's buffered reader.
    raw = getattr(getattr(response, "fp", None), "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def open_url(request, timeout: float, guard: TransferGuard):
    """urlopen on a helper thread, so cancel and the deadline also cut a stalled connect/handshake."""
    box: dict = {}
    done, abandoned = threading.Event(), threading.Event()

    def work():
        try:
            box["response"] = urllib.request.urlopen(request, timeout=timeout)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()
            if abandoned.is_set() and "response" in box:
                box["response"].close()

    threading.Thread(target=work, name="download-connect", daemon=True).start()
    while not done.wait(POLL_SECONDS):
        reason = guard.check()
        if reason is not None:
            abandoned.set()
            if done.is_set() and "response" in box:   # finished meanwhile: close it here
                box["response"].close()
            raise reason
    if "error" in box:
        raise box["error"]
    return box["response"]
