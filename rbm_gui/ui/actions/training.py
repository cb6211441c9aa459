"""The Training menu and tool bar: Train, Pause/Resume, Stop, +1 epoch, Reset.

Each action is intent on the training control; their enabled state and texts follow the
session's ``run_state``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt


class TrainingActions:
    def __init__(self, session, training, files, make_action, menu_bar, toolbar, max_steps=lambda: None):
        self.session, self.training, self.files = session, training, files
        self.max_steps = max_steps
        A = make_action
        self.act_train = A("Train", self.train, "Ctrl+T", "Start training (or continue the current model).")
        self.act_pause = A("Pause", self.toggle_pause, Qt.Key_Space, "Pause or resume training (Space).")
        self.act_stop = A("Stop", self.stop, "Ctrl+.", "Stop training; the model is kept and can be trained further.")
        self.act_more = A("+1 epoch", self.add_epoch, "Ctrl+E", "Train one more epoch.")
        self.act_reset = A("Reset", self.reset, None,
                           "Throw the model away and start from new random weights (asks first).")
        menu = self.menu = menu_bar.addMenu("&Training")
        for a in (self.act_train, self.act_pause, self.act_stop, self.act_more, self.act_reset):
            menu.addAction(a)
            toolbar.addAction(a)
        session.connect("run_state", lambda _s: self.update())
        self.update()

    def train(self) -> bool:
        t = self.training
        if t.running:
            t.resume()
            return True
        return t.start(self.max_steps())

    def toggle_pause(self) -> None:
        self.training.toggle_pause()

    def stop(self) -> None:
        s = self.session
        if self.training.running:
            self.training.stop()
            if s.dirty:
                s.say(f"Training stopped after {s.epochs_done} epochs. The model is kept: "
                      "Train continues it, File > Save (Ctrl+S) keeps it.")

    def add_epoch(self) -> None:
        """While training: extend the run by one epoch; otherwise train exactly one more epoch."""
        self.session.add_epoch()
        if self.training.running:
            self.training.resume()
        else:
            self.train()

    def reset(self) -> bool:
        return self.files.new_model()

    def update(self) -> None:
        running, paused = self.training.running, self.training.paused
        self.act_pause.setEnabled(running)
        self.act_pause.setText("Resume" if paused else "Pause")
        self.act_stop.setEnabled(running)
        self.act_train.setEnabled(not running or paused)
