"""Fixtures shared by the data-layer and window tests: a local MNIST mirror on 127.0.0.1.

Downloads are never tested against the internet: ``mirror`` serves synthetic but valid IDX gz
files under the four MNIST names, in several misbehaving modes chosen by the URL's first path
segment: ``good``, ``bad`` (last 100 bytes flipped: md5 mismatch), ``short`` (half the body,
full Content-Length), ``nolength`` (no Content-Length), ``hang`` (half the body, then waits until
teardown), ``slow`` (8 KiB every 10 ms), ``missing`` (404).
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from rbm_gui.data import write_idx
from rbm_gui.data.download import CHUNK_SIZE

BIG = "train-images-idx3-ubyte.gz"


@pytest.fixture(scope="session")
def payloads(tmp_path_factory) -> dict[str, bytes]:
    """The four MNIST file names with synthetic content (random pixels: gzip can't shrink them)."""
    folder = tmp_path_factory.mktemp("payloads")
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (400, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 400, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 20, dtype=np.uint8),
    }
    out = {}
    for name, array in arrays.items():
        write_idx(folder / name, array)
        out[name] = (folder / name).read_bytes()
    assert len(out[BIG]) > 4 * CHUNK_SIZE  # several chunks, so "mid-download" exists
    return out


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = server.files.get(name)
        if body is None or mode == "missing":
            self.send_error(404, "Not Found")
            return
        length = len(body)
        if mode == "bad":
            body = body[:-100] + bytes(b ^ 1 for b in body[-100:])
        elif mode == "short":
            body = body[: length // 2]
        self.send_response(200)
        if mode != "nolength":
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if mode == "hang":
            self.wfile.write(body[: length // 2])
            self.wfile.flush()
            server.release.wait(10)
            return
        if mode == "slow":
            for i in range(0, len(body), 8192):
                if server.release.wait(0.01):
                    return
                self.wfile.write(body[i:i + 8192])
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Mirror:
    """A local HTTP server; ``mirror.url(mode)`` (or ``mirror(mode)``) is a mirror base URL."""

    def __init__(self, files: dict[str, bytes]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.files, self.server.requests, self.server.release = files, [], threading.Event()
        # A short poll interval makes shutdown() return quickly at teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/"

    __call__ = url

    @property
    def requests(self) -> list[str]:
        return self.server.requests

    def close(self):
        self.server.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def mirror(payloads, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)  # talk to 127.0.0.1 directly
    m = Mirror(payloads)
    yield m
    m.close()


@pytest.fixture
def refused_url():
    """A URL on a port that was just free, so connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"
