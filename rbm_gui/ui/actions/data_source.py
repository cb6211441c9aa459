"""Switching the window's data set from a feature (download, data-sets list): through the session."""

from __future__ import annotations


def select_source(window, spec: str, name: str) -> bool:
    """Make ``spec`` the window's data set (the session asks before replacing a trained model)."""
    window.panel.add_source(spec, name)
    s = window.session
    if s.data_options.source != spec:
        s.change_setting("data.source", spec, window.approve_replace)
    return s.data_options.source == spec and s.data is not None


def remove_source(window, spec: str) -> None:
    window.panel.remove_source(spec)
