"""download_mnist against a local HTTP server (never the internet).

The server holds small synthetic but valid MNIST-named IDX gz files; the URL's first path
segment picks a behaviour: /good/ serves them, /bad/ flips a byte (md5 mismatch), /short/
declares the full Content-Length but sends half, /hang/ stalls mid-body, /missing/ answers 404,
/nolength/ sends no Content-Length.
"""

from __future__ import annotations

import errno
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.data import DownloadCancelled, DownloadError, load_dataset, write_idx
from rbm_gui.data import download
from rbm_gui.data.download import CHUNK_SIZE, MIRRORS, MNIST_FILES, download_mnist

BIG = "train-images-idx3-ubyte.gz"


@pytest.fixture(scope="module")
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


def md5s(payloads, names=None) -> dict[str, str]:
    return {n: hashlib.md5(payloads[n]).hexdigest() for n in (names or payloads)}


class Handler(BaseHTTPRequestHandler):
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
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Mirror:
    def __init__(self, files: dict[str, bytes]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.files, self.server.requests, self.server.release = files, [], threading.Event()
        # A short poll interval makes shutdown() return quickly at teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/"

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


@pytest.fixture
def dest(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RBM_GUI_CACHE_DIR", str(cache))
    return cache


def record(calls: list):
    return lambda *args: calls.append(args)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_tables_match_the_readme():
    assert MIRRORS[:2] == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    assert "yann.lecun.com" in MIRRORS[2] and len(MIRRORS) == 3
    assert MNIST_FILES == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }


def test_success_loads_then_second_call_reuses_without_requests(mirror, payloads, dest):
    calls = []
    got = download_mnist(mirrors=[mirror.url("good")], files=md5s(payloads), progress=record(calls))
    assert got == dest  # default destination is the cache dir
    assert listing(dest) == sorted(payloads)
    for name, body in payloads.items():
        assert (dest / name).read_bytes() == body
    assert len(mirror.requests) == 4
    train, test = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    assert (train.n, test.n, train.image_shape) == (400, 20, (28, 28))

    calls.clear()
    download_mnist(dest, mirrors=[mirror.url("good")], files=md5s(payloads), progress=record(calls))
    assert len(mirror.requests) == 4  # nothing fetched again
    assert sorted(calls) == sorted((n, len(b), len(b)) for n, b in payloads.items())


def test_progress_reports_increasing_bytes_up_to_the_total(mirror, payloads, tmp_path):
    calls = []
    download_mnist(tmp_path, mirrors=[mirror.url("good")], files=md5s(payloads, [BIG]), progress=record(calls))
    done = [d for _, d, _ in calls]
    assert {n for n, _, _ in calls} == {BIG} and {t for _, _, t in calls} == {len(payloads[BIG])}
    assert done[0] == 0 and done[-1] == len(payloads[BIG]) and len(done) > 4
    assert all(a < b for a, b in zip(done, done[1:]))


def test_no_content_length_gives_unknown_total(mirror, payloads, tmp_path):
    calls = []
    download_mnist(tmp_path, mirrors=[mirror.url("nolength")], files=md5s(payloads, [BIG]), progress=record(calls))
    assert {t for _, _, t in calls} == {None}
    assert (tmp_path / BIG).read_bytes() == payloads[BIG]


@pytest.mark.parametrize("first", ["bad", "short", "missing", "hang", "refused"])
def test_falls_back_to_next_mirror(mirror, payloads, tmp_path, refused_url, first):
    names = [BIG, "t10k-labels-idx1-ubyte.gz"]
    first_url = refused_url if first == "refused" else mirror.url(first)
    download_mnist(tmp_path, mirrors=[first_url, mirror.url("good")], files=md5s(payloads, names), timeout=0.5)
    assert listing(tmp_path) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == payloads[name]
    good = [r for r in mirror.requests if r.startswith("/good/")]
    assert len(good) == 2  # each file came from the second mirror


def test_all_mirrors_failing_names_each_reason(mirror, payloads, tmp_path, refused_url):
    mirrors = [refused_url, mirror.url("missing"), mirror.url("bad"), mirror.url("short"), mirror.url("hang")]
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=mirrors, files=md5s(payloads, [BIG]), timeout=0.5)
    message = str(info.value)
    assert "\n" not in message and BIG in message
    for url in mirrors:
        assert url + BIG in message
    for reason in ("refused", "HTTP 404", "md5 mismatch", "truncated", "timed out"):
        assert reason in message
    assert listing(tmp_path) == []  # no partial or temporary file
    assert not isinstance(info.value, DownloadCancelled)


def cancel_via_event(event):
    return event


def cancel_via_callable(event):
    return event.is_set


@pytest.mark.parametrize("make_cancel", [cancel_via_event, cancel_via_callable])
def test_cancel_mid_download_leaves_nothing(mirror, payloads, tmp_path, make_cancel):
    event, seen = threading.Event(), []

    def progress(name, done, total):
        seen.append(done)
        if done > 0:
            event.set()  # the user clicks Cancel after the first chunk

    with pytest.raises(DownloadCancelled):
        download_mnist(
            tmp_path,
            mirrors=[mirror.url("good"), mirror.url("good")],
            files=md5s(payloads, [BIG]),
            progress=progress,
            cancel=make_cancel(event),
        )
    assert 0 < max(seen) < len(payloads[BIG])  # really mid-download
    assert len(mirror.requests) == 1  # cancel is not a mirror failure: no fallback
    assert listing(tmp_path) == []


def test_keyboard_interrupt_leaves_nothing(mirror, payloads, tmp_path):
    def progress(name, done, total):
        if done > CHUNK_SIZE:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_mnist(tmp_path, mirrors=[mirror.url("good")], files=md5s(payloads, [BIG]), progress=progress)
    assert listing(tmp_path) == []


def test_corrupt_existing_file_is_replaced(mirror, payloads, tmp_path):
    (tmp_path / BIG).write_bytes(payloads[BIG][:1000])
    download_mnist(tmp_path, mirrors=[mirror.url("good")], files=md5s(payloads, [BIG]))
    assert (tmp_path / BIG).read_bytes() == payloads[BIG]
    assert mirror.requests == [f"/good/{BIG}"]


def test_disk_full_is_a_plain_download_error(mirror, payloads, tmp_path, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def fake_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return FullDisk(fh) if "w" in mode else fh

    # The module's own open() is replaced, so only the download's file writes fail.
    monkeypatch.setattr(download, "open", fake_open, raising=False)
    with pytest.raises(DownloadError, match="disk full") as info:
        download_mnist(tmp_path, mirrors=[mirror.url("good"), mirror.url("good")], files=md5s(payloads, [BIG]))
    assert "\n" not in str(info.value)
    assert len(mirror.requests) == 1  # another mirror cannot fix a full disk
    assert listing(tmp_path) == []
