"""The Data menu in the real window; downloads come from a local HTTP server (never the internet).

The server holds small synthetic but valid MNIST-named IDX gz files; the URL's first path segment
picks a behaviour: /good/ serves them, /bad/ flips bytes (md5 mismatch), /slow/ trickles them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest


SHOTS = Path(os.environ.get("RBM_GUI_SHOTS", "")) if os.environ.get("RBM_GUI_SHOTS") else None


# payloads, mirror, refused_url: tests/conftest.py


def md5s(payloads):
    return {n: hashlib.md5(b).hexdigest() for n, b in payloads.items()}


def cache() -> Path:
    return Path(os.environ["RBM_GUI_CACHE_DIR"])


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def shot(widget, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def download(qtbot, w, url, payloads, **kw):
    w.data_menu.mirrors, w.data_menu.files, w.data_menu.timeout = [url], md5s(payloads), 5
    dlg = w.data_menu.download()
    with qtbot.waitSignal(dlg.done, timeout=20_000) as blocker:
        dlg.start()
    return dlg, blocker.args


def test_the_dialog_shows_the_size_offline(qtbot, make_window):
    from rbm_gui.ui.data_menu import DownloadDialog
    w = make_window()
    dlg = DownloadDialog(w)                     # the real four files: size from the published sizes
    dlg.show()
    text = dlg.size_label.text()
    assert dlg.total_bytes() == 11_594_722 and "11.6 MB" in text and str(cache()) in text
    assert "LeCun" in text and "CC BY-SA 3.0" in text
    assert [a.text() for a in w.data_menu.menu.actions()][:2] == ["Download full MNIST...", "Data sets..."]
    shot(dlg, "download-ask")
    dlg.close()


def test_download_through_the_dialog_switches_the_data_set(qtbot, make_window, mirror, payloads):
    w = make_window()
    assert w.session.data_options.source == "mnist-sample"
    dlg, (status, _) = download(qtbot, w, mirror("good"), payloads)
    assert status == "ok", dlg.message
    assert listing(cache()) == sorted(payloads)
    assert w.session.data_options.source == "mnist"
    assert len(w.session.data.train) + len(w.session.data.held_out) == 400     # the served (synthetic) set
    assert w.panel.data_options().source == "mnist" and "downloaded" in w.panel.data_widgets["source"].currentText()
    assert "Full MNIST downloaded" in w.banner.text() and not dlg.isVisible()
    total = f"{sum(map(len, payloads.values())) / 1e3:.1f} kB"
    assert dlg.bytes_label.text() == f"{total} of {total}" and dlg.bar.value() == dlg.bar.maximum()


@pytest.mark.parametrize("kind", ["bad", "refused"])
def test_a_failed_download_says_so_and_keeps_the_bundled_sample(qtbot, make_window, mirror, payloads,
                                                                refused_url, kind):
    w = make_window()
    url = refused_url if kind == "refused" else mirror("bad")
    dlg, (status, message) = download(qtbot, w, url, payloads)
    assert status == "failed"
    plain = {"bad": "checksum mismatch", "refused": "No connection"}[kind]
    assert plain in dlg.result_label.text() and plain in w.last_error
    assert "did not change" in w.last_error
    assert w.session.data_options.source == "mnist-sample" and w.session.data is not None
    assert listing(cache()) == []
    assert dlg.isVisible() and dlg.cancel_button.text() == "Close"
    shot(dlg, f"download-failed-{kind}")
    dlg.cancel_button.click()
    assert not dlg.isVisible()


def test_cancel_leaves_no_file(qtbot, make_window, mirror, payloads):
    w = make_window()
    w.data_menu.mirrors, w.data_menu.files = [mirror("slow")], md5s(payloads)
    dlg = w.data_menu.download(start=True)
    qtbot.waitUntil(lambda: sum(dlg._done_bytes.values()) > 30_000 and bool(dlg.speed_label.text()), timeout=10_000)
    assert dlg.running and " of " in dlg.bytes_label.text() and "/s" in dlg.speed_label.text()
    shot(dlg, "download-progress")
    with qtbot.waitSignal(dlg.done, timeout=10_000) as blocker:
        dlg.cancel_button.click()
    assert blocker.args[0] == "cancelled" and not dlg.running
    assert listing(cache()) == []
    assert w.session.data_options.source == "mnist-sample"


def test_closing_the_window_during_a_download_joins_its_thread(qtbot, make_window, mirror, payloads):
    w = make_window()
    w.data_menu.mirrors, w.data_menu.files = [mirror("slow")], md5s(payloads)
    dlg = w.data_menu.download(start=True)
    qtbot.waitUntil(lambda: sum(dlg._done_bytes.values()) > 0, timeout=10_000)
    w.shutdown()
    assert not dlg.running and listing(cache()) == []


def test_data_sets_dialog_lists_and_clear_cache_removes_the_download(qtbot, make_window, mirror, payloads):
    w = make_window()
    sets = w.data_menu.show_data_sets()
    assert sets.table.rowCount() == 2 and not sets.clear_button.isEnabled()     # bundled train + test
    download(qtbot, w, mirror("good"), payloads)
    sets.refresh()
    rows = [[sets.table.item(r, c).text() for c in range(5)] for r in range(sets.table.rowCount())]
    assert len(rows) == 4
    assert rows[0][0].startswith("MNIST sample (bundled") and "bundled" in rows[0][4]
    assert rows[2][0] == "MNIST full train set (downloaded)  (in use)" and rows[2][2] == "400"
    assert rows[2][4] == str(cache() / "train-images-idx3-ubyte.gz")
    assert rows[2][3].endswith("kB") and sets.clear_button.isEnabled()
    sets.resize(900, 260)
    shot(sets, "data-sets")
    asked = []
    w.confirm = lambda title, text: asked.append(title) or True
    assert sets.clear_cache()
    assert asked and listing(cache()) == []
    assert sets.table.rowCount() == 2
    assert w.session.data_options.source == "mnist-sample" and w.session.data is not None
    assert w.panel.data_widgets["source"].findData("mnist") < 0


def test_first_launch_offer_is_shown_once(qtbot, make_window, monkeypatch):
    from rbm_gui.ui.data_menu import FIRST_RUN_KEY, offer_first_run_download
    w = make_window()
    assert not offer_first_run_download(w)               # RBM_GUI_NO_FIRST_RUN (conftest) skips it
    monkeypatch.delenv("RBM_GUI_NO_FIRST_RUN")
    asked = []
    w.confirm = lambda title, text: asked.append(text) or False
    assert not offer_first_run_download(w)
    assert len(asked) == 1 and "11.6 MB" in asked[0]
    assert str(w.settings.value(FIRST_RUN_KEY)) == "true"
    assert not offer_first_run_download(w) and len(asked) == 1


def test_data_sets_dialog_marks_the_set_in_use_and_switches_sets(qtbot, make_window, tmp_path):
    # bug 8: the list did not show the set in use and could not switch
    from rbm_gui.data.bundled import bundled_file
    w = make_window()
    own = tmp_path / "own-images-idx3-ubyte.gz"
    own.write_bytes(bundled_file("train-5k-images-idx3-ubyte.gz").read_bytes())
    assert w.session.change_setting("data.source", str(own)) == "new_model"
    sets = w.data_menu.show_data_sets()
    names = [sets.table.item(r, 0).text() for r in range(sets.table.rowCount())]
    assert sum("(in use)" in n for n in names) == 1 and "(in use)" in names[-1]
    assert sets.use_row(0)                                   # the bundled sample, a training split
    assert w.session.data_options.source == "mnist-sample"
    names = [sets.table.item(r, 0).text() for r in range(sets.table.rowCount())]
    assert "(in use)" in names[0]
