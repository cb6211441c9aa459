"""The session: what the window shows and trains, as Qt-free state with change notification.

This is the contract between the application layer and the views (``rbm_gui.ui``): views bind to
these properties (``session.connect("model", view.redraw)``) and forward intent as calls on the
session; they never read each other. SKELETON: the properties below are the agreed names; the
training/runner work fills in the behaviour (moving it here from ``rbm_gui/ui/state.py``).
"""

from __future__ import annotations

from rbm_gui.app.observable import Event, Prop, State
from rbm_gui.config import TrainingConfig

RUN_STATES = ("stopped", "running", "paused", "diverged")


class Session(State):
    config = Prop(factory=TrainingConfig, doc="the training settings (the panel binds to it; one source of truth)")
    data_options = Prop(None, "rbm_gui.app.data.DataOptions of the data set in use")
    data = Prop(None, "rbm_gui.app.data.PreparedData in use, or None while none is loaded")
    model = Prop(None, "read-only RBM snapshot the views draw (new model, each drawn frame), or None")
    epochs_done = Prop(0, "completed epochs of the model")
    history = Prop(factory=dict, doc="per-epoch metrics: name -> list of floats, with an 'epoch' column")
    weight_history = Prop(factory=list, doc="(n_visible, n_tracked) float32 weights of the tracked units per epoch")
    history_units = Prop(None, "int64 indices of the tracked hidden units")
    run_state = Prop("stopped", "one of RUN_STATES")
    path = Prop(None, "the model file the model was opened from / saved to")
    dirty = Prop(False, "trained or changed since the last save")
    selected_digit = Prop(None, "rbm_gui.viz.gallery.SelectedDigit: the probe/explorer digit, or None")
    selected_unit = Prop(None, "index of the clicked hidden unit, or None")
    message = Prop(("", "info"), "(text, 'info' | 'error') for the banner; ('', ...) hides it")

    def __init__(self, **values):
        super().__init__(**values)
        self.model_replaced = Event()     # a different model (new, opened, imported, reset): views reset
