"""The ``rbm-gui`` command: with no subcommand it opens the window; subcommands work headless.

Each subcommand lives in ``rbm_gui/commands/<name>.py`` with ``add_parser(subparsers)`` and a
``run(args) -> int``. Errors the user can cause (bad files, bad numbers, failed downloads) print
one line ``rbm-gui: error: ...`` and exit non-zero, never a traceback.
"""

from __future__ import annotations

# Only modules the interpreter has loaded already: Ctrl-C during the slow imports (argparse,
# numpy) then happens inside main()'s try and prints one line instead of a traceback.
import os
import sys

from rbm_gui import __version__

#: subcommand -> module under rbm_gui.commands
COMMANDS = {
    "train": "train",
    "eval": "evaluate",
    "import-legacy": "import_legacy",
    "download": "download",
    "dream": "dream",
    "figure": "figure",
    "units": "units",
    "screenshot": "screenshot",
}


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is meant for the user (imported lazily: startup speed)."""
    from rbm_gui.config import ConfigError
    from rbm_gui.data.errors import DataError
    from rbm_gui.engine.training import TrainingDiverged
    from rbm_gui.io.model_file import ModelFileError
    return (ConfigError, DataError, ModelFileError, TrainingDiverged, OSError, ValueError)


def build_parser() -> "argparse.ArgumentParser":
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="rbm-gui",
        description="Train a Restricted Boltzmann Machine on handwritten digits and watch it learn. "
                    "Without a command, opens the window.")
    parser.add_argument("--version", action="version", version=f"rbm-gui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f"rbm_gui.commands.{module}")
        except ImportError as exc:   # a command whose optional part is not installed
            if exc.name and exc.name.startswith("rbm_gui.commands"):
                continue
            raise
        p = mod.add_parser(sub, name)
        p.set_defaults(func=mod.run)
    return parser


def has_display() -> bool:
    """True when Qt can open a window: a display server, or a platform chosen explicitly."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"))


def open_window(argv: list[str]) -> int:
    if not has_display():
        print("rbm-gui: no display found (DISPLAY/WAYLAND_DISPLAY unset). Run it in a desktop session, "
              "under xvfb-run, or use a headless command: rbm-gui --help", file=sys.stderr)
        return 2
    from rbm_gui.ui.app import run_app
    return run_app(argv)


class _Interrupts:
    """Notes a Ctrl-C even when an import turns it into another error.

    numpy's C import reports a KeyboardInterrupt raised inside it as an ImportError; with this
    handler the top level still knows the user pressed Ctrl-C and prints one line. ``_signal``
    (built in, already loaded) avoids importing ``signal``, which would widen the window.
    """

    def __init__(self) -> None:
        self.seen, self.previous = False, None

    def __enter__(self):
        import _signal
        try:
            self.previous = _signal.signal(_signal.SIGINT, self._handler)
        except (ValueError, OSError):      # not the main thread: leave signals alone
            self.previous = None
        return self

    def _handler(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            import _signal
            _signal.signal(_signal.SIGINT, self.previous)


def main(argv: list[str] | None = None) -> int:
    # Everything, imports included, runs inside the try: Ctrl-C while numpy loads is one line too.
    with _Interrupts() as interrupts:
        try:
            return _main(argv)
        except KeyboardInterrupt:
            print("rbm-gui: interrupted", file=sys.stderr)
            return 130
        except BaseException:
            if interrupts.seen:
                print("rbm-gui: interrupted", file=sys.stderr)
                return 130
            raise


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return open_window(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return open_window(argv)
    try:
        return int(args.func(args) or 0)
    except MemoryError as exc:
        detail = f" ({exc})" if str(exc) else ""
        print(f"rbm-gui: error: out of memory{detail}; try a smaller model or data set", file=sys.stderr)
        return 1
    except _user_errors() as exc:
        print(f"rbm-gui: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
