"""``rbm-gui download mnist``: fetch the full MNIST (60,000 + 10,000 digits) into the cache."""

from __future__ import annotations

from rbm_gui.commands.progress import ProgressBar
from rbm_gui.config import LIMITS, ConfigError
from rbm_gui.data import cache_dir, download_mnist


def add_parser(sub, name):
    p = sub.add_parser(name, help="download the full MNIST data set",
                       description="Download the four MNIST files from public mirrors (falling back in "
                                   "order), verify their md5 and store them in the per-user cache.")
    p.add_argument("dataset", choices=("mnist",))
    p.add_argument("--dest", help=f"directory (default {cache_dir()})")
    p.add_argument("--mirror", action="append", metavar="URL",
                   help="base URL to try instead of the built-in mirrors (repeatable)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a connection or for data; after that a mirror must also average "
                        "16 KiB/s and finish in time (default 30)")
    return p


def run(args) -> int:
    lo, hi = LIMITS["download_timeout"]
    if not lo <= args.timeout <= hi:   # also refuses nan
        raise ConfigError(f"--timeout must be between {lo:g} and {hi:g} seconds, got {args.timeout:g}")
    bars: dict[str, ProgressBar] = {}

    def progress(name, done, total):
        bar = bars.get(name)
        if bar is None:
            for other in bars.values():
                other.clear()
            bar = bars[name] = ProgressBar(total or 1, name[:28].ljust(28))
        bar.update(done, f"{done / 1e6:6.1f} MB" + (f" of {total / 1e6:.1f}" if total else ""), force=done == total)

    dest = download_mnist(args.dest, mirrors=args.mirror, progress=progress, timeout=args.timeout)
    for bar in bars.values():
        bar.clear()
    print(f"MNIST is ready in {dest} (use --data mnist)")
    return 0
