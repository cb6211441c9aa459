"""Animation exports written to real files and read back (imageio / Pillow)."""

import os
import sys
import threading

import imageio.v2 as iio2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from rbm_gui.engine.dream_frames import dream_frames, n_dream_frames
from rbm_gui.io.export import (ExportCancelled, ExportError, Mp4Unavailable, compose_frame, export_animation,
                               step_band_height)
from rbm_gui.io.gif import EXCESS_INK, MISSING_INK, gif_greys
from rbm_gui.viz.draw import ink_grey, upscale
from rbm_gui.viz.mosaic import mosaic

STEPS = 20


def expected_body(probs_step, scale):
    """The chain states of one step as the exporter must draw them: 2 x 4 mosaic, ink, upscaled."""
    m = mosaic(probs_step.reshape(8, 28, 28), cols=4, pad=1, fill=0.0)
    return upscale(ink_grey(m), scale)


@pytest.mark.parametrize("exact", [False, True])
def test_gif_frames_are_the_chain_states(tmp_path, rbm10, starts8, exact):
    scale = 3
    ref = rbm10.gibbs_chain(starts8, STEPS, np.random.default_rng(11))
    calls = []
    out = export_animation(dream_frames(rbm10, starts8, STEPS, seed=11), n_dream_frames(STEPS),
                           tmp_path / "dream.gif", fps=25, scale=scale, progress=lambda d, t: calls.append((d, t)),
                           exact_gif=exact)
    assert out == tmp_path / "dream.gif" and os.listdir(tmp_path) == ["dream.gif"]
    frames = iio.imread(out, index=None)
    band = step_band_height(scale)
    body_h, body_w = (2 * 29 - 1) * scale, (4 * 29 - 1) * scale
    assert frames.shape[:3] == (STEPS + 1, band + body_h, body_w)
    grey = frames if frames.ndim == 3 else frames[..., 0]
    composed = [compose_frame(ref.visible_probs[t].reshape(8, 28, 28), scale=scale, step=t) for t in range(STEPS + 1)]
    shown = list(gif_greys(composed, exact=exact))
    for t in range(STEPS + 1):
        want = expected_body(ref.visible_probs[t], scale)
        assert np.array_equal(grey[t], shown[t]), t              # the documented greys, exactly
        missing = grey[t, band:].astype(int) - want        # > 0: the GIF shows less ink than the chain
        assert missing.max() <= (0 if exact else MISSING_INK), t
        assert (-missing).max() <= (0 if exact else EXCESS_INK), t      # never stale ink (no ghosts)
        assert np.array_equal(grey[t, band:][want == 0], want[want == 0])      # black and white exact
        assert np.array_equal(grey[t, band:][want == 255], want[want == 255])
        assert (grey[t, :band] < 128).any()      # the step number is drawn
    assert calls[-1] == (STEPS + 1, STEPS + 1) and len(calls) == STEPS + 1
    with Image.open(out) as im:
        assert im.n_frames == STEPS + 1 and im.info["duration"] == 40 and im.info["loop"] == 0


def test_same_seed_same_gif(tmp_path, rbm10, starts8):
    a = export_animation(dream_frames(rbm10, starts8, 5, seed=3), 6, tmp_path / "a.gif", scale=1)
    b = export_animation(dream_frames(rbm10, starts8, 5, seed=3), 6, tmp_path / "b.gif", scale=1)
    c = export_animation(dream_frames(rbm10, starts8, 5, seed=4), 6, tmp_path / "c.gif", scale=1)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_samples_without_step_band(tmp_path, rbm10, starts8):
    ref = rbm10.gibbs_chain(starts8, 4, np.random.default_rng(1))
    out = export_animation(dream_frames(rbm10, starts8, 4, seed=1, show="samples"), 5, tmp_path / "s.gif",
                           scale=2, draw_step=False)
    frames = iio.imread(out, index=None)
    assert frames.shape[:3] == (5, 57 * 2, 115 * 2)
    grey = frames if frames.ndim == 3 else frames[..., 0]
    assert np.array_equal(grey[4], expected_body(ref.visible_samples[4].astype(np.float32), 2))   # 0/1: exact
    assert set(np.unique(grey)) <= {0, 255}


def test_mp4_frames_and_size(tmp_path, rbm10, starts8):
    pytest.importorskip("imageio_ffmpeg")
    scale = 3
    out = export_animation(dream_frames(rbm10, starts8, STEPS, seed=11), n_dream_frames(STEPS),
                           tmp_path / "dream.mp4", fps=25, scale=scale)
    assert os.listdir(tmp_path) == ["dream.mp4"]
    h = step_band_height(scale) + 57 * scale
    w = 115 * scale
    with iio2.get_reader(out, format="FFMPEG") as reader:
        assert reader.count_frames() == STEPS + 1
        assert reader.get_meta_data()["size"] == (w + w % 2, h + h % 2)      # padded to even sizes
        assert reader.get_meta_data()["fps"] == 25
        last = reader.get_data(STEPS)[..., 0]
    ref = rbm10.gibbs_chain(starts8, STEPS, np.random.default_rng(11))
    want = compose_frame(ref.visible_probs[STEPS].reshape(8, 28, 28), scale=scale, step=STEPS)
    diff = np.abs(last[:h, :w].astype(int) - want.astype(int))
    assert diff.mean() < 4                          # lossy, but the same picture


def test_png_sequence(tmp_path, rbm10, starts8):
    out = export_animation(dream_frames(rbm10, starts8, 6, seed=2), 7, str(tmp_path / "frames") + "/", scale=1)
    assert out == tmp_path / "frames"
    assert sorted(os.listdir(tmp_path)) == ["frames"]
    names = sorted(os.listdir(out))
    assert names == [f"frame_{k:05d}.png" for k in range(7)]
    ref = rbm10.gibbs_chain(starts8, 6, np.random.default_rng(2))
    band = step_band_height(1)
    img = np.asarray(Image.open(out / "frame_00006.png"))
    assert np.array_equal(img[band:], expected_body(ref.visible_probs[6], 1))
    # an existing empty folder is fine, a non-empty one is refused
    (tmp_path / "empty").mkdir()
    export_animation(dream_frames(rbm10, starts8, 1, seed=2), 2, tmp_path / "empty", scale=1)
    assert len(os.listdir(tmp_path / "empty")) == 2
    with pytest.raises(ExportError, match="not empty"):
        export_animation(dream_frames(rbm10, starts8, 1, seed=2), 2, tmp_path / "empty", scale=1)


@pytest.mark.parametrize("name", ["c.gif", "c.mp4", "cdir/"])
@pytest.mark.parametrize("how", ["event", "callable"])
def test_cancel_leaves_nothing(tmp_path, rbm10, starts8, name, how):
    if name.endswith(".mp4"):
        pytest.importorskip("imageio_ffmpeg")
    event = threading.Event()

    def progress(done, total):
        if done == 5:
            event.set()
    cancel = event if how == "event" else event.is_set
    with pytest.raises(ExportCancelled):
        export_animation(dream_frames(rbm10, starts8, 50, seed=1), 51, str(tmp_path) + "/" + name, scale=2,
                         progress=progress, cancel=cancel)
    assert os.listdir(tmp_path) == []


def test_failures_leave_nothing(tmp_path, rbm10, starts8):
    with pytest.raises(ExportError, match="only 3 of 10"):
        export_animation(dream_frames(rbm10, starts8, 2, seed=1), 10, tmp_path / "short.gif")
    with pytest.raises(ExportError, match=".gif or .mp4"):
        export_animation(dream_frames(rbm10, starts8, 2, seed=1), 3, tmp_path / "x.avi")
    with pytest.raises(ExportError, match="does not exist"):
        export_animation(dream_frames(rbm10, starts8, 2, seed=1), 3, tmp_path / "no" / "x.gif")

    def broken():
        yield from dream_frames(rbm10, starts8, 2, seed=1)
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        export_animation(broken(), 5, tmp_path / "b.gif")
    assert os.listdir(tmp_path) == []


def test_mp4_missing_raises_before_consuming_frames(tmp_path, rbm10, starts8, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)     # makes "import imageio_ffmpeg" fail
    frames = dream_frames(rbm10, starts8, 3, seed=1)
    with pytest.raises(Mp4Unavailable, match="imageio-ffmpeg"):
        export_animation(frames, 4, tmp_path / "x.mp4")
    assert os.listdir(tmp_path) == []
    # the window's fallback (it says so): the same, untouched iterator into a GIF
    out = export_animation(frames, 4, tmp_path / "x.gif", scale=1)
    assert len(iio.imread(out, index=None)) == 4
