"""Entry point of the PyInstaller bundle: the same as the ``rbm-gui`` command."""

import multiprocessing
import sys

from rbm_gui.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
