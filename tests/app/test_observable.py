"""The state objects views bind to: changes notify, non-changes do not, batches notify once."""

import numpy as np
import pytest

from rbm_gui.app.observable import ANY, Event, Prop, State


class Options(State):
    per_tile = Prop(False)
    threshold = Prop(0.5)
    items = Prop(factory=list)


def test_setting_a_new_value_notifies_with_the_value():
    s, seen = Options(), []
    s.connect("threshold", seen.append)
    s.threshold = 0.7
    s.threshold = 0.7            # the same value again: no notification
    assert seen == [0.7]


def test_any_subscribers_hear_the_name_and_disconnect_stops_them():
    s, seen = Options(), []
    off = s.connect(ANY, lambda name, value: seen.append((name, value)))
    s.per_tile = True
    off()
    s.per_tile = False
    assert seen == [("per_tile", True)]


def test_batch_notifies_each_changed_property_once_with_the_final_value():
    s, seen = Options(), []
    s.connect(ANY, lambda name, value: seen.append((name, value)))
    with s.batch():
        s.threshold = 0.1
        s.threshold = 0.2
        s.per_tile = True
    assert sorted(seen) == [("per_tile", True), ("threshold", 0.2)]


def test_arrays_compare_by_identity_and_factories_give_each_state_its_own_value():
    s, seen = Options(), []
    s.connect("items", seen.append)
    a = np.zeros(3)
    s.items = a
    s.items = a
    s.items = np.zeros(3)
    assert len(seen) == 2
    assert Options().items is not Options().items


def test_unknown_names_are_refused():
    with pytest.raises(TypeError):
        Options(nonsense=1)
    with pytest.raises(AttributeError):
        Options().connect("nonsense", print)
    with pytest.raises(AttributeError):
        Options().update(nonsense=1)


def test_event_calls_its_subscribers_in_order():
    e, seen = Event(), []
    e.connect(lambda x: seen.append(("a", x)))
    off = e.connect(lambda x: seen.append(("b", x)))
    e.emit(1)
    off()
    e.emit(2)
    assert seen == [("a", 1), ("b", 1), ("a", 2)]
