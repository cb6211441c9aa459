"""The one background-job runner: values arrive in the GUI thread, cancel is prompt, errors go to one place."""

import threading
import time

import pytest

from rbm_gui.ui.runner import Runner


def counting(n, delay=0.0):
    def job(control):
        for i in range(n):
            if delay:
                control.wait(delay)
            yield (i, threading.current_thread().name)
        return "all counted"
    return job


def forever(control):
    i = 0
    while True:
        control.wait(0.01)
        i += 1
        yield i


@pytest.fixture
def runner(qtbot):
    r = Runner()
    yield r
    assert r.shutdown(5.0)


def test_yielded_values_arrive_in_order_in_the_gui_thread_then_the_return_value(qtbot, runner):
    got, returned, reasons = [], [], []
    job = runner.start("count", counting(50), on_return=returned.append, on_finish=reasons.append,
                       on_yield=lambda v: got.append((v, threading.current_thread().name)))
    qtbot.waitUntil(lambda: bool(reasons), timeout=5000)
    assert [i for (i, _), _ in got] == list(range(50))
    workers = {worker for (_, worker), _ in got}
    assert len(workers) == 1 and workers != {threading.current_thread().name}   # made on one other thread
    assert {handler for _, handler in got} == {threading.current_thread().name}     # the GUI thread
    assert returned == ["all counted"] and reasons == ["done"] and job.reason == "done"
    assert job.control.backlog == 0 and runner.jobs == []


def test_cancel_stops_a_job_within_half_a_second(qtbot, runner):
    got, reasons = [], []
    job = runner.start("forever", forever, on_yield=got.append, on_finish=reasons.append)
    qtbot.waitUntil(lambda: len(got) > 3, timeout=5000)
    t0 = time.perf_counter()
    job.cancel()
    assert job.join(0.5)
    assert time.perf_counter() - t0 < 0.5
    qtbot.waitUntil(lambda: reasons == ["cancelled"], timeout=2000)


def test_errors_are_forwarded_as_one_line_to_one_place(qtbot, runner):
    errors, reasons = [], []
    runner.errorOccurred.connect(lambda name, message: errors.append((name, message)))

    def broken(control):
        yield 1
        raise ValueError("the file is truncated")

    runner.start("export", broken, on_finish=reasons.append)
    qtbot.waitUntil(lambda: bool(reasons), timeout=5000)
    assert reasons == ["failed"] and errors == [("export", "the file is truncated")]


def test_a_paused_job_yields_nothing_until_resumed(qtbot, runner):
    got, paused = [], []
    job = runner.start("forever", forever, on_yield=got.append)
    job.pausedChanged.connect(paused.append)
    qtbot.waitUntil(lambda: len(got) > 2, timeout=5000)
    job.pause()
    qtbot.waitUntil(lambda: paused == [True], timeout=2000)
    n = len(got)
    qtbot.wait(200)
    assert len(got) == n
    job.resume()
    qtbot.waitUntil(lambda: len(got) > n, timeout=2000)
    assert paused == [True, False]


def test_shutdown_cancels_and_joins_every_job(qtbot):
    r = Runner()
    jobs = [r.start(f"j{i}", forever) for i in range(3)]
    qtbot.wait(50)
    t0 = time.perf_counter()
    assert r.shutdown(2.0)
    assert time.perf_counter() - t0 < 1.0
    assert all(j.thread.isFinished() for j in jobs)


def test_backlog_counts_values_the_gui_has_not_handled(qtbot, runner):
    seen_backlog = []

    def job(control):
        for i in range(5):
            yield i
        time.sleep(0.05)                  # nothing handled yet: the GUI thread is blocked below
        seen_backlog.append(control.backlog)

    reasons = []
    runner.start("burst", job, on_finish=reasons.append)
    time.sleep(0.3)                       # block the GUI thread: yielded values queue up
    qtbot.waitUntil(lambda: bool(reasons), timeout=5000)
    assert seen_backlog == [5]
