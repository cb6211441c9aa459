"""download_mnist against a local HTTP server (never the internet).

The server holds small synthetic but valid MNIST-named IDX gz files; the URL's first path
segment picks a behaviour: /good/ serves them, /bad/ flips a byte (md5 mismatch), /short/
declares the full Content-Length but sends half, /hang/ stalls mid-body, /missing/ answers 404,
/nolength/ sends no Content-Length.
"""

from __future__ import annotations

import errno
import hashlib
import threading
from pathlib import Path

import pytest

from rbm_gui.data import DownloadCancelled, DownloadError, load_dataset
from rbm_gui.data import download
from rbm_gui.data.download import CHUNK_SIZE, MIRRORS, MNIST_FILES, download_mnist

BIG = "train-images-idx3-ubyte.gz"   # payloads, mirror, refused_url: tests/conftest.py


def md5s(payloads, names=None) -> dict[str, str]:
    return {n: hashlib.md5(payloads[n]).hexdigest() for n in (names or payloads)}




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
