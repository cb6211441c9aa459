"""Data ▸ Download against a mirror that sends its headers and then nothing: Cancel and closing
the window both end the download within a second, and no file is left."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.hostile.conftest import MD5
from tests.ui.conftest import make_window, private_dirs, settings  # noqa: F401 (fixtures)


def stalled_download(qtbot, w, url):
    w.data_menu.mirrors, w.data_menu.files, w.data_menu.timeout = [url], dict(MD5), 30
    dlg = w.data_menu.download(start=True)
    qtbot.wait(300)                                 # connected; the peer is silent
    assert dlg.running
    return dlg


def test_cancel_of_a_stalled_download_takes_under_a_second(qtbot, make_window, hostile):  # noqa: F811
    w = make_window()
    dlg = stalled_download(qtbot, w, hostile("silent"))
    start = time.monotonic()
    with qtbot.waitSignal(dlg.done, timeout=5_000) as blocker:
        dlg.cancel_button.click()
    assert time.monotonic() - start < 1.0 and blocker.args[0] == "cancelled"
    assert not any(Path(os.environ["RBM_GUI_CACHE_DIR"]).glob("*"))


def test_closing_the_window_during_a_stalled_download_takes_under_a_second(qtbot, make_window, hostile):  # noqa: F811
    w = make_window()
    dlg = stalled_download(qtbot, w, hostile("mute"))
    start = time.monotonic()
    w.shutdown()
    assert time.monotonic() - start < 1.0 and not dlg.running
    assert not any(Path(os.environ["RBM_GUI_CACHE_DIR"]).glob("*"))
