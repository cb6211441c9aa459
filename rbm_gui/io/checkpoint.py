"""Autosave: a checkpoint of the model and its history after every epoch, and crash detection.

Every running session owns two files in the autosave directory::

    <session>.json   the session marker (:mod:`rbm_gui.io.session_markers`): pid, start tick, host...
    <session>.npz    the newest checkpoint (an rbm-gui model file, written atomically)

where ``<session>`` is ``session-<UTC start time>-<pid>``. A clean exit (:meth:`end_session`)
removes both. So a marker left behind by a process that is no longer running means that
session crashed or was killed, and its checkpoint is offered for restore
(:meth:`CheckpointStore.pending_restore`). Several windows can run at the same time: each writes
only its own files, and a session whose process is still alive is never offered.

The directory is ``$RBM_GUI_DATA_DIR/autosave`` when that variable is set and non-empty, else
``platformdirs.user_data_dir("rbm-gui")/autosave`` (``~/.local/share/rbm-gui/autosave`` on Linux).

Typical use by the window::

    store = CheckpointStore()
    info = store.pending_restore()           # before training starts
    if info and user_says_restore(info.describe()):
        saved = store.load(info)
    if info:
        store.discard(info)                  # restored or declined: do not offer it again
    store.begin_session()
    ... after every epoch: store.save(to_saved(rbm, config, history, ...))
    store.end_session()                      # on a clean exit only

Qt-free: the CLI and tests use it too.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rbm_gui.io.atomic import atomic_open
from rbm_gui.io.model_file import ModelFileError, SavedModel, load_model, save_model
# process_alive is re-exported: callers and tests import it from here.
from rbm_gui.io.session_markers import PREFIX, new_marker, process_alive, read_marker

__all__ = ["DATA_ENV_VAR", "CheckpointError", "CheckpointStore", "RestoreInfo", "default_autosave_dir",
           "process_alive"]

#: Environment variable overriding the per-user data directory (tests, portable installs).
DATA_ENV_VAR = "RBM_GUI_DATA_DIR"


class CheckpointError(OSError):
    """An autosave could not be written; the previous checkpoint, if any, is intact.

    An ``OSError`` (like the failure it wraps, available as ``__cause__``) whose message is one
    plain line naming the directory, the reason and what was kept; ``errno`` is the cause's.
    """

    def __str__(self) -> str:
        return str(self.strerror) if self.strerror else super().__str__()


def default_autosave_dir() -> Path:
    """``$RBM_GUI_DATA_DIR/autosave`` if set and non-empty, else the per-user data dir's ``autosave``."""
    root = os.environ.get(DATA_ENV_VAR, "").strip()
    if not root:
        import platformdirs
        root = platformdirs.user_data_dir("rbm-gui", appauthor=False)
    return Path(root).expanduser() / "autosave"


# ------------------------------------------------------------------ restore offers


@dataclass(frozen=True)
class RestoreInfo:
    """A checkpoint left by a session that did not end cleanly.

    session: the session's name; ``path`` its checkpoint and ``marker_path`` its marker.
    pid, started: the crashed process and when it started (ISO 8601 UTC).
    saved_at: when the checkpoint was written (file time, seconds since the epoch).
    epochs_done, n_hidden, dataset: what the checkpoint holds (from its metadata).
    """

    session: str
    path: Path
    marker_path: Path
    pid: int
    started: str
    saved_at: float
    epochs_done: int
    n_hidden: int
    dataset: str

    def describe(self) -> str:
        """One or two sentences for the restore dialog."""
        when = datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M")
        data = f" on {self.dataset}" if self.dataset else ""
        epochs = f"{self.epochs_done} epoch{'s' if self.epochs_done != 1 else ''}"
        return (f"rbm-gui did not close cleanly last time. A model with {self.n_hidden} hidden units "
                f"trained for {epochs}{data} was autosaved at {when}. Restore it?")


# ------------------------------------------------------------------ the store


class CheckpointStore:
    """Autosave checkpoints in ``dir`` (default :func:`default_autosave_dir`).

    Not thread-safe: call it from one thread (the one that receives the epoch results).
    """

    def __init__(self, dir: str | os.PathLike | None = None) -> None:
        self.dir = Path(dir) if dir is not None else default_autosave_dir()
        self._session: str | None = None
        #: One line per damaged checkpoint that :meth:`pending_restores` removed.
        self.unreadable: list[str] = []

    # ---------------------------------------------------------- this process's session
    @property
    def session(self) -> str | None:
        """Name of the session begun by this store, or None."""
        return self._session

    @property
    def checkpoint_path(self) -> Path | None:
        """Where this session's checkpoint is (or will be) written; None before :meth:`begin_session`."""
        return None if self._session is None else self.dir / f"{self._session}.npz"

    def begin_session(self) -> str:
        """Mark a session in progress (creating the directory); returns the session name.

        Raises CheckpointError (an OSError) if the directory or the marker cannot be written.
        Calling it again while a session is in progress returns the same session.
        """
        if self._session is not None:
            return self._session
        pid = os.getpid()
        now = datetime.now(timezone.utc)
        session = f"{PREFIX}{now:%Y%m%dT%H%M%S}-{pid}"
        marker = new_marker(pid, now)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with atomic_open(self.dir / f"{session}.json", "w") as fh:
                json.dump(marker, fh)
        except OSError as exc:
            raise CheckpointError(exc.errno, f"autosave is off: cannot write to {self.dir} "
                                             f"({exc.strerror or exc})") from exc
        self._session = session
        # Sessions that died before their first checkpoint have nothing to offer: tidy them away.
        for marker_path, _ in self._stale():
            if not marker_path.with_suffix(".npz").exists():
                with contextlib.suppress(OSError):
                    self._remove(marker_path)
        return session

    def save(self, model: SavedModel) -> Path:
        """Write ``model`` as this session's checkpoint, atomically; returns its path.

        Begins a session first if none is in progress.

        Raises
        ------
        CheckpointError
            The file cannot be written (disk full, permission denied, directory gone); the
            previous checkpoint is intact and no temporary file is left.
        ModelFileError
            The model cannot be stored (e.g. NaN weights); nothing is written.
        """
        self.begin_session()
        path = self.checkpoint_path
        assert path is not None
        try:
            save_model(path, model)
        except ModelFileError:
            raise
        except OSError as exc:
            kept = "; the previous checkpoint is kept" if path.is_file() else ""
            raise CheckpointError(exc.errno, f"autosave failed: cannot write {path} "
                                             f"({exc.strerror or exc}){kept}") from exc
        return path

    def end_session(self) -> None:
        """Clean exit: remove this session's checkpoint and marker (nothing will be offered).

        Save the model where the user wants it before calling this; the autosave is only a
        safety net against crashes.
        """
        if self._session is None:
            return
        session, self._session = self._session, None
        self._remove(self.dir / f"{session}.json")

    # ---------------------------------------------------------- what crashed sessions left
    def _markers(self) -> list[tuple[Path, dict | None]]:
        try:
            paths = sorted(self.dir.glob(f"{PREFIX}*.json"))
        except OSError:
            return []
        return [(path, read_marker(path)) for path in paths]

    def _stale(self) -> list[tuple[Path, dict | None]]:
        """Markers of sessions (not this one) whose process is gone; unreadable markers count too."""
        return [(p, m) for p, m in self._markers()
                if p.stem != self._session and (m is None or not process_alive(m))]

    def pending_restores(self) -> list[RestoreInfo]:
        """Every restorable checkpoint of a session that did not end cleanly, newest first.

        A checkpoint of a gone session that cannot be read is removed with its marker, and the
        reason is appended to :attr:`unreadable` (one line naming the file) for the window to
        show; it is never offered.
        """
        found = []
        for marker_path, marker in self._stale():
            npz = marker_path.with_suffix(".npz")
            try:
                saved = load_model(npz)
                saved_at = npz.stat().st_mtime
            except ModelFileError as exc:
                if npz.exists() or npz.is_symlink():
                    self.unreadable.append(f"{exc}; this autosaved model was removed")
                    with contextlib.suppress(OSError):
                        self._remove(marker_path)
                continue
            except OSError:
                continue
            meta, marker = saved.meta, marker or {}
            epochs, pid = meta.get("epochs_done", 0), marker.get("pid")
            found.append(RestoreInfo(
                session=marker_path.stem, path=npz, marker_path=marker_path,
                pid=pid if isinstance(pid, int) else -1, started=str(marker.get("started", "")),
                saved_at=saved_at, epochs_done=epochs if isinstance(epochs, int) else 0,
                n_hidden=saved.n_hidden, dataset=str(meta.get("dataset", ""))))
        found.sort(key=lambda info: info.saved_at, reverse=True)
        return found

    def pending_restore(self) -> RestoreInfo | None:
        """The newest checkpoint of a session that did not end cleanly and whose process is gone."""
        found = self.pending_restores()
        return found[0] if found else None

    def load(self, info: RestoreInfo | None = None) -> SavedModel:
        """The model of ``info`` (default: :meth:`pending_restore`).

        Raises LookupError when there is nothing to restore, ModelFileError for a damaged file.
        """
        if info is None:
            info = self.pending_restore()
            if info is None:
                raise LookupError(f"no autosaved model to restore in {self.dir}")
        return load_model(info.path)

    def discard(self, info: RestoreInfo | None = None) -> int:
        """Remove the files of ``info``, or (default) of every session whose process is gone.

        Never touches this process's session or a live one. Returns how many sessions were removed.
        """
        if info is not None:
            targets = [info.marker_path]
        else:
            targets = [p for p, _ in self._stale()]
        for marker_path in targets:
            self._remove(marker_path)
        return len(targets)

    @staticmethod
    def _remove(marker_path: Path) -> None:
        """Remove a session's checkpoint, any temporary file a killed save left, then its marker.

        Marker last: an interrupted removal leaves at worst a marker without a checkpoint, which
        is never offered and is cleaned up by the next :meth:`begin_session`.
        """
        directory, name = marker_path.parent, marker_path.stem
        paths = [marker_path.with_suffix(".npz")]
        with contextlib.suppress(OSError):
            paths += [*directory.glob(f".{name}.npz.*.part.npz"),
                      *directory.glob(f".{name}.json.*.part.json")]
        for path in paths + [marker_path]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
