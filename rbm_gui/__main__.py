"""``python -m rbm_gui`` works like the ``rbm-gui`` command."""

import sys

from rbm_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
