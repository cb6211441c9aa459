"""Helpers of the hostile-input suite: run a case with a clock and a memory meter.

In-process cases measure the peak of traced allocations (numpy registers its buffers with
tracemalloc); command-line cases run ``python -m rbm_gui`` in a child and read its peak resident
memory from ``wait4``. Every case must end within 10 s, refuse with one line naming the file,
and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Every hostile case ends within this many seconds.
CASE_SECONDS = 10.0
#: Safety net for the machine if a defence fails: a child may not map more than this.
CHILD_ADDRESS_SPACE = 4 << 30


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    error: BaseException | None


def measure(func, *args, **kwargs) -> Measured:
    """Call ``func``; return how long it took, its peak traced allocation and what it raised."""
    tracemalloc.start()
    start = time.perf_counter()
    error = None
    try:
        func(*args, **kwargs)
    except Exception as exc:  # the case decides which errors are right
        error = exc
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return Measured(seconds, peak / 1e6, error)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float

    def one_line_error(self) -> str:
        """Assert a clean refusal: non-zero exit, one stderr line, no traceback; return the line."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert self.code != 0, (self.code, self.stderr)
        assert "Traceback" not in self.stderr, self.stderr
        assert len(lines) == 1, self.stderr
        return lines[0]


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = CASE_SECONDS, env: dict | None = None,
            preexec=_limit_child, interrupt_after: float | None = None) -> Run:
    """Run ``python -m rbm_gui *args``; kill it after ``timeout`` s (the case then fails)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "RBM_GUI_NO_FIRST_RUN": "1", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "rbm_gui", *args], stdout=out, stderr=err,
                                cwd=cwd, env=environment, preexec_fn=preexec)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        if interrupt_after is not None:
            threading.Timer(interrupt_after, lambda: _signal(proc)).start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                  seconds, usage.ru_maxrss / 1024)
    assert seconds < timeout, f"{args} still running after {timeout} s"
    return run


def _signal(proc) -> None:
    import signal
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)


@pytest.fixture(scope="session")
def legit_rss_mb() -> float:
    """Peak resident memory of a legitimate ``eval`` of a small model: the yardstick for refusals."""
    from tests.hostile.crafted import small_model
    from rbm_gui.io.model_file import save_model
    import numpy as np
    with tempfile.TemporaryDirectory() as folder:
        model = small_model(784, 5, image_shape=[28, 28])
        model.W = np.zeros((784, 5), np.float32)
        path = Path(folder) / "ok.npz"
        save_model(path, model)
        run = run_cli("eval", str(path), "--loglik", "none")
    assert run.code == 0, run.stderr
    return run.max_rss_mb


def leftovers(folder: Path) -> list[str]:
    """Names in ``folder`` that look half-written (temporary files)."""
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


# ------------------------------------------------------------------ a misbehaving mirror

NAME = "t10k-labels-idx1-ubyte.gz"
BODY = bytes(range(256)) * 40          # 10,240 bytes
MD5 = {NAME: hashlib.md5(BODY).hexdigest()}


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self):
        mode = self.path.strip("/").split("/")[0]
        stop = self.server.stop
        if mode == "mute":                 # accepts, never answers
            stop.wait(20)
            return
        self.send_response(200)
        if mode == "liar":
            self.send_header("Content-Length", str(10 << 30))
        if mode in ("trickle", "silent", "steady"):
            self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.flush()
        if mode == "trickle":              # 2 bytes/s: never times out per read
            for i in range(len(BODY)):
                if stop.wait(0.5):
                    return
                self.wfile.write(BODY[i:i + 1])
                self.wfile.flush()
        elif mode == "steady":             # 20 kB/s: above the minimum rate, but slow
            for i in range(0, len(BODY), 200):
                if stop.wait(0.01):
                    return
                self.wfile.write(BODY[i:i + 200])
                self.wfile.flush()
        elif mode == "endless":            # no Content-Length, never ends
            chunk = bytes(64 << 10)
            while not stop.is_set():
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif mode == "silent":             # headers, then nothing
            stop.wait(20)

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.stop = threading.Event()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield lambda mode: f"http://127.0.0.1:{server.server_address[1]}/{mode}/"
    server.stop.set()
    server.shutdown()
    server.server_close()
