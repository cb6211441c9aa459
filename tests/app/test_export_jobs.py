"""The Export menu's Qt-free part: what may be exported now, and the jobs as the runner drives them."""

import threading

import numpy as np
import pytest
from PIL import Image

from rbm_gui.app import export_jobs
from rbm_gui.app.view_state import FigureOptions
from rbm_gui.viz.figures import weights_figure
from tests.app.test_session import small_session


class Control:
    """What the runner hands a job: report() and the cancel event."""

    def __init__(self):
        self.cancel_event = threading.Event()
        self.reports = []

    def report(self, value):
        self.reports.append(value)


def drive(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def test_figure_problems_are_said_before_anything_is_asked():
    s = small_session()
    rbm = s.rbm.snapshot()
    assert export_jobs.figure_problem("weights", rbm, s) == ""
    assert export_jobs.figure_problem("weights", None, s) == "There is no model to draw."
    assert export_jobs.figure_problem("metrics", None, s) == ""          # the plots need no model
    s.weight_history = []
    assert export_jobs.figure_problem("history", rbm, s) == "There is no weight history yet."
    s.data = None
    assert "open matching data" in export_jobs.figure_problem("averages", rbm, s)
    with pytest.raises(ValueError, match="unknown figure"):
        export_jobs.figure_problem("portrait", rbm, s)


def test_figure_job_writes_the_figure_and_a_cancelled_one_writes_nothing(tmp_path):
    s = small_session()
    rbm = s.rbm.snapshot()
    out = tmp_path / "w.png"
    fn = export_jobs.figure_export("weights", rbm, s, FigureOptions("weights", "png", 2), str(out))
    control = Control()
    status, result, message = drive(export_jobs.export_job(fn, control))
    assert (status, message) == ("ok", "") and str(result) == str(out) and control.reports == [(1, 1)]
    with Image.open(out) as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), weights_figure(rbm.W, rbm.image_shape, scale=2).rgb)
    control = Control()
    control.cancel_event.set()
    fn = export_jobs.figure_export("history", rbm, s, FigureOptions("history", "png", 2), str(tmp_path / "h.png"))
    assert drive(export_jobs.export_job(fn, control))[0] == "cancelled"
    assert [p.name for p in tmp_path.iterdir()] == ["w.png"]
