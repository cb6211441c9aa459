"""Session markers of the autosave: the ``<session>.json`` file a running session writes
(:func:`new_marker`), reading one left behind (:func:`read_marker`), and whether the process that
wrote it is still running (:func:`process_alive`). Used by :mod:`rbm_gui.io.checkpoint`.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path

from rbm_gui import __version__
from rbm_gui.io.safe_read import open_regular

__all__ = ["PREFIX", "new_marker", "process_alive", "read_marker"]

#: Start of every session name (and so of its marker and checkpoint file names).
PREFIX = "session-"
_MARKER_FORMAT = "rbm-gui-session"
_MAX_MARKER_BYTES = 64 * 1024


def new_marker(pid: int, now: datetime) -> dict:
    """The marker of a session begun at ``now`` by process ``pid``: enough to tell later whether
    that very process (not a reuse of its pid) is still running."""
    return {
        "format": _MARKER_FORMAT,
        "pid": pid,
        "start_ticks": _proc_start_ticks(pid),
        "boot_id": _boot_id(),
        "host": socket.gethostname(),
        "started": now.isoformat(timespec="seconds"),
        "package_version": __version__,
    }


def read_marker(path: Path) -> dict | None:
    """The marker at ``path``, or None if it is unreadable or not an rbm-gui session marker."""
    try:
        with open_regular(path, _MAX_MARKER_BYTES) as fh:   # a FIFO or a huge file is junk
            marker = json.loads(fh.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("format") != _MARKER_FORMAT:
        return None
    return marker


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _proc_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot (Linux), or None if unknown/absent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        if fields[0] in ("Z", "X"):        # zombie or dead: the process is gone, only its entry is left
            return None
        return int(fields[19])             # field 22 overall
    except (IndexError, ValueError):
        return None


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":            # os.kill(pid, 0) would terminate the process on Windows
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)   # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259                             # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:                # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def process_alive(marker: dict) -> bool:
    """Whether the process that wrote session ``marker`` may still be running.

    A marker from another host cannot be checked and counts as alive (never offered, never
    deleted). On Linux, a pid that was reused after a reboot or by another program does not count:
    the boot id and the process's start tick must match too.
    """
    if marker.get("host") != socket.gethostname():
        return True
    pid = marker.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        return False
    boot = _boot_id()
    if boot is not None and marker.get("boot_id") not in (None, boot):
        return False                       # written before the last reboot
    if Path("/proc/self/stat").exists():   # Linux: exact identity check
        ticks = _proc_start_ticks(pid)
        if ticks is None:
            return False
        recorded = marker.get("start_ticks")
        return recorded is None or recorded == ticks
    return _pid_exists(pid)
