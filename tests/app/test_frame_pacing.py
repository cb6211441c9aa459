"""The dream panel's redraw pacing (Qt-free): the steps keep the speed, the redraws share what is left."""

import pytest

from rbm_gui.app.frame_pacing import BUDGET, FASTEST, SLOWEST, FramePacer


def test_without_measurements_the_panel_redraws_as_often_as_it_may():
    p = FramePacer()
    assert p.interval(120) == FASTEST
    p.add_steps(2, 0.004)
    assert p.interval(120) == FASTEST                    # no frame measured yet


def test_cheap_steps_and_redraws_keep_sixty_redraws_a_second():
    p = FramePacer()
    p.add_steps(2, 0.002)                                # 1 ms a step: 120 steps/s take 12% of the thread
    p.add_frame(0.003)
    assert p.interval(120) == FASTEST


def test_costly_steps_leave_the_redraws_what_is_left_of_the_budget():
    p = FramePacer()
    p.add_steps(4, 0.016)                                # 4 ms a step: 120 steps/s take 48%
    p.add_frame(0.010)                                   # 10 ms a redraw
    interval = p.interval(120)
    assert interval == pytest.approx(0.010 / (BUDGET - 120 * 0.004))
    assert 120 * 0.004 + 0.010 / interval == pytest.approx(BUDGET)    # the whole budget, not more
    assert p.interval(10) == FASTEST                     # slower dreams: room for every redraw


def test_steps_that_take_the_whole_budget_get_the_slowest_redraw_rate():
    p = FramePacer()
    p.add_steps(1, 0.007)                                # 120 steps/s would take 84% > BUDGET
    p.add_frame(0.005)
    assert p.interval(120) == SLOWEST


def test_the_costs_are_running_averages_and_reset_forgets_them():
    p = FramePacer()
    p.add_steps(1, 0.010)
    p.add_steps(1, 0.000)
    assert 0 < p.step_cost < 0.010                       # one fast step does not erase the slow ones
    p.add_steps(0, 5.0)                                  # a tick without steps says nothing
    assert p.step_cost < 0.010
    p.reset()
    assert p.step_cost is None and p.frame_cost is None and p.interval(120) == FASTEST
