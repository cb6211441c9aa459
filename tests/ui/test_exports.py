"""The Export menu through the real window: the export thread, progress, cancel, fallbacks."""

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QPushButton

import rbm_gui.io.export as export_mod
from rbm_gui.engine.dream_frames import dream_frames
from rbm_gui.io.export import Mp4Unavailable, compose_frame, mp4_available
from rbm_gui.io.gif import gif_greys
from rbm_gui.app.view_state import DreamExportOptions, FigureOptions
from rbm_gui.viz.figures import weights_figure


@pytest.fixture
def outdir(tmp_path):
    """An empty folder for the exports (tmp_path also holds the test's settings file)."""
    d = tmp_path / "out"
    d.mkdir()
    return d


def menu_export(qtbot, w, action, options, path, chooser="choose_dream_options", timeout=20_000):
    ex = w.exports
    setattr(ex, chooser, lambda defaults: options)
    ex.choose_export_path = lambda title, fmt: str(path)
    with qtbot.waitSignal(ex.exportFinished, timeout=timeout) as blocker:
        action.trigger()
        assert ex.busy and ex.dialog is not None
    qtbot.waitUntil(lambda: not ex.busy)
    return blocker.args


def test_gif_export_from_the_menu_reads_back_frame_by_frame(qtbot, make_window, outdir):
    w = make_window()
    v = w.views["dream"]
    v.seed_spin.setValue(3)
    out = outdir / "dream.gif"
    status, path = menu_export(qtbot, w, w.exports.act_dream,
                               DreamExportOptions("gif", steps=12, fps=20, scale=2, draw_step=True), out)
    assert status == "ok" and path == str(out)
    frames = imageio.mimread(out)
    # the composed frames as the GIF draws them (compact greys, rbm_gui.io.gif)
    expected = list(gif_greys(compose_frame(img, scale=2, step=k) for k, img in dream_frames(v.rbm, v.starts, 12, seed=3)))
    assert len(frames) == 13
    assert frames[0].shape[:2] == expected[0].shape
    for got, want in zip(frames, expected):
        got = got if got.ndim == 2 else got[..., 0]
        np.testing.assert_array_equal(got, want)
    assert "dream.gif" in w.banner.text()
    assert [p.name for p in outdir.iterdir()] == ["dream.gif"]


def test_cancelling_an_export_leaves_nothing(qtbot, make_window, outdir):
    w = make_window()
    ex = w.exports

    def cancel_on_first_progress(done, total):
        if done < total and ex.dialog is not None:
            ex.dialog.findChild(QPushButton).click()       # the dialog's Cancel button
    ex.exportProgress.connect(cancel_on_first_progress)
    status, message = menu_export(qtbot, w, ex.act_dream, DreamExportOptions("gif", steps=100_000, scale=4),
                                  outdir / "long.gif")
    assert status == "cancelled" and "nothing was written" in message
    assert list(outdir.iterdir()) == []
    # PNG frames: no folder either
    status, _ = menu_export(qtbot, w, ex.act_dream, DreamExportOptions("png", steps=100_000, scale=1),
                            outdir / "frames/")
    assert status == "cancelled" and list(outdir.iterdir()) == []


def test_closing_the_window_during_an_export_joins_it(qtbot, make_window, outdir):
    w = make_window()
    ex = w.exports
    ex.export_dream(str(outdir / "x.gif"), DreamExportOptions("gif", steps=100_000))
    assert ex.busy
    w.shutdown()
    assert not ex.busy and list(outdir.iterdir()) == []


def test_figure_exports_from_the_menu(qtbot, make_window, outdir):
    w = make_window()
    out = outdir / "weights.png"
    status, _ = menu_export(qtbot, w, w.exports.figure_actions["weights"], FigureOptions("weights", "png", 3),
                            out, chooser="choose_figure_options")
    assert status == "ok"
    rbm = w.session.rbm
    fig = weights_figure(rbm.W, rbm.image_shape, scale=3)
    with Image.open(out) as im:
        assert im.size == (fig.width, fig.height)
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), fig.rgb)
    # the metric plots through pyqtgraph's exporters, at twice the on-screen width
    w.show_tab("metrics")
    out = outdir / "metrics.png"
    status, _ = menu_export(qtbot, w, w.exports.figure_actions["metrics"], FigureOptions("metrics", "png", 2),
                            out, chooser="choose_figure_options")
    assert status == "ok"
    width = w.metrics_view.glw.ci.boundingRect().width()
    with Image.open(out) as im:
        assert abs(im.size[0] - 2 * width) <= 2
    out = outdir / "metrics.svg"
    status, _ = menu_export(qtbot, w, w.exports.figure_actions["metrics"], FigureOptions("metrics", "svg", 1),
                            out, chooser="choose_figure_options")
    assert status == "ok" and out.read_text().lstrip().startswith("<?xml") and "<svg" in out.read_text()
    for kind in ("history", "reconstruction", "averages"):
        status, _ = menu_export(qtbot, w, w.exports.figure_actions[kind], FigureOptions(kind, "svg", 2, 4),
                                outdir / f"{kind}.svg", chooser="choose_figure_options")
        assert status == "ok" and (outdir / f"{kind}.svg").stat().st_size > 0
    assert not [p for p in outdir.iterdir() if p.name.startswith(".")]


def test_mp4_falls_back_to_gif_with_a_message(qtbot, make_window, outdir, monkeypatch):
    def missing():
        raise Mp4Unavailable("MP4 export could not find an ffmpeg program (no such file);\n"
                             "reinstall it with pip install --force-reinstall imageio-ffmpeg")
    monkeypatch.setattr(export_mod, "require_mp4", missing)
    w = make_window()
    status, path = menu_export(qtbot, w, w.exports.act_dream, DreamExportOptions("mp4", steps=4, scale=1),
                               outdir / "dream.mp4")
    assert status == "ok" and path == str(outdir / "dream.gif")
    text = w.banner.text()          # one line: why ffmpeg failed, and what was written instead
    assert "ffmpeg program (no such file)" in text and "GIF instead, dream.gif" in text
    assert "\n" not in text and "rbm-gui[mp4]" not in text
    assert len(imageio.mimread(path)) == 5 and not (outdir / "dream.mp4").exists()


@pytest.mark.skipif(not mp4_available(), reason="imageio-ffmpeg is not installed")
def test_mp4_export_reads_back(qtbot, make_window, outdir):
    w = make_window()
    out = outdir / "dream.mp4"
    status, _ = menu_export(qtbot, w, w.exports.act_dream, DreamExportOptions("mp4", steps=9, scale=2), out)
    assert status == "ok"
    with imageio.get_reader(out) as r:
        n = r.count_frames()
        frame = r.get_data(0)
    h, wd = compose_frame(np.zeros((8, 28, 28)), scale=2, step=0).shape
    assert n == 10 and frame.shape[:2] == (h + h % 2, wd + wd % 2)


def test_the_dream_export_dialog_offers_what_the_panel_shows_including_the_completion(qtbot, make_window):
    from rbm_gui.ui.dialogs.export_options import DreamExportDialog
    w = make_window()
    w.views["dream"].set_show("mean")
    assert w.view_states.export.dream_defaults().show == "mean"
    for show in ("probs", "samples", "mean"):
        dialog = DreamExportDialog(w, DreamExportOptions("gif", show=show), mp4_ok=False)
        assert dialog.options().show == show
        dialog.deleteLater()
