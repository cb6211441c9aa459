"""``rbm-gui import-legacy``: convert the original blog's pickled models to model files, safely."""

from __future__ import annotations

from rbm_gui.io.atomic import check_writable
from rbm_gui.io.legacy import import_legacy
from rbm_gui.io.model_file import save_model


def add_parser(sub, name):
    p = sub.add_parser(name, help="convert a model pickled by the original blog's code",
                       description="Read a pickled RBM_lib.RBM (mirkomiorelli/RBM, e.g. models/binv_nh20.pkl) "
                                   "with a restricted unpickler that refuses anything else, and save it "
                                   "as an rbm-gui model file.")
    p.add_argument("pickle", metavar="FILE.pkl")
    p.add_argument("--out", required=True, metavar="MODEL.npz")
    return p


def run(args) -> int:
    check_writable(args.out)
    saved = import_legacy(args.pickle)
    save_model(args.out, saved)
    print(f"imported {saved.n_hidden} hidden units x {saved.n_visible} visible units -> {args.out}")
    return 0
