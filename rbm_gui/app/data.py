"""ONE data preparation for the CLI and the window: which digits train, which are held out, which probe.

The default split is the same everywhere: train on every digit of the data set's training split and
hold out the first 1,000 digits of its test split (for mnist-sample / mnist; an IDX file of your own
holds out nothing unless ``n_val`` asks for validation digits). The options are stored in the model
file's meta (``data_options``), so a model says which digits it was trained on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np

from rbm_gui.data import Dataset, labels_path_for, load_dataset
from rbm_gui.engine.monitor import monitor_label_subset, monitor_subsets

#: Held-out digits taken from the test split when no validation split is asked for.
DEFAULT_HELD_OUT = 1000
#: Digits that can be the probe (the weights view's P(h|v) labels, the explorer's start).
MAX_PROBES = 1000

#: Data options' ranges and one-sentence help (like config.LIMITS / HELP).
DATA_LIMITS = {"threshold": (1, 255), "n_val": (0, 100_000), "max_train": (0, 1_000_000)}
DATA_HELP = {
    "source": "Which digits to train on: the bundled 5,000-digit MNIST sample, full MNIST once downloaded, or IDX files.",
    "threshold": "Grey level (1-255) at or above which a pixel counts as on when the digits are made binary.",
    "n_val": "Training digits held out as validation digits (0 = hold out the first 1,000 test digits instead).",
    "max_train": "Use at most this many training digits (0 = all); fewer digits train faster.",
    "probe": "Index of the test digit whose hidden probabilities P(h_j=1|v) label the weight tiles.",
    "prob_threshold": "Tiles whose P(h_j=1|v) for the probe digit is at least this get a red border.",
    "per_tile": "Scale each tile to its own largest weight instead of one range for all tiles.",
}


@dataclass
class DataOptions:
    """Which digits to train on and how to make them binary (the same meaning in CLI and window)."""

    source: str = "mnist-sample"     # load_dataset spec: "mnist-sample", "mnist" or an IDX path
    threshold: int = 128
    n_val: int = 0                   # 0: hold out the first test digits instead of training digits
    max_train: int = 0               # 0 = all
    split_seed: int | None = None    # None: the training seed
    stochastic: bool = False         # keep grey levels: binarise afresh every mini-batch

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "DataOptions":
        """Build from a dict (settings, model meta); unknown keys are ignored, bad values refused."""
        out = cls()
        for f in fields(cls):
            if f.name not in d:
                continue
            value = d[f.name]
            default = getattr(out, f.name)
            if f.name == "split_seed":
                value = None if value is None else int(value)
            elif isinstance(default, bool):
                value = bool(value)
            else:
                value = type(default)(value)
            setattr(out, f.name, value)
        return out


@dataclass
class PreparedData:
    """Binary vectors ready for the trainer and the monitors.

    train: (N, n_visible) bool — what the trainer sees (``train_grey`` uint8 0..255 when stochastic).
    held_out: (M, n_visible) bool or None — never trained on; the monitors' validation digits.
    probes: (P, n_visible) bool — digits the views probe with (test digits when there are any).
    train_labels / held_out_labels: (N,) / (M,) uint8 class of each row, or None when the data set
    has no labels (in the rows' order: the trainer takes the same rows of both).
    """

    options: DataOptions
    name: str
    image_shape: tuple[int, int]
    train: np.ndarray
    held_out: np.ndarray | None
    held_out_name: str
    probes: np.ndarray
    train_grey: np.ndarray | None = None
    probe_labels: np.ndarray | None = None
    train_labels: np.ndarray | None = None
    held_out_labels: np.ndarray | None = None
    monitor_train: np.ndarray = field(init=False, repr=False)
    monitor_val: np.ndarray | None = field(init=False, repr=False)
    monitor_val_labels: np.ndarray | None = field(init=False, repr=False)

    def __post_init__(self):
        self.monitor_train, self.monitor_val = monitor_subsets(self.train, self.held_out)
        self.monitor_val_labels = monitor_label_subset(self.train, self.held_out, self.held_out_labels)

    @property
    def spec(self) -> str:
        return self.options.source

    @property
    def threshold(self) -> int:
        return self.options.threshold

    @property
    def n_visible(self) -> int:
        return self.train.shape[1]

    @property
    def trainer_data(self) -> np.ndarray:
        """What the trainer takes: grey levels when binarising stochastically, else the binary digits."""
        return self.train_grey if self.options.stochastic else self.train

    def require_labels(self) -> np.ndarray:
        """The training labels, or ValueError naming the labels file that was looked for."""
        if self.train_labels is None:
            raise ValueError(f"training with labels needs a labels file beside the images "
                             f"({_expected_labels(self.options.source)}), and {self.name} has none")
        return self.train_labels

    def describe(self) -> str:
        return f"{self.name}: {len(self.train):,} training digits; held out: {self.held_out_name}"


def prepare_data(options: DataOptions | None = None, seed: int = 0,
                 train_set: Dataset | None = None) -> PreparedData:
    """Load ``options.source`` (see ``rbm_gui.data.load_dataset``), binarise, split (see module doc).

    ``seed``: the training seed; it chooses the validation digits unless ``options.split_seed`` is set.
    Raises DataError / OSError / ValueError with a message for the user.
    """
    options = options or DataOptions()
    ds = train_set if train_set is not None else load_dataset(options.source, "train")
    if ds.n == 0:
        raise ValueError(f"the data set {ds.name} has no images")
    split_seed = seed if options.split_seed is None else options.split_seed
    if options.max_train and ds.n > options.max_train + options.n_val:
        rng = np.random.default_rng(split_seed + 1)
        ds = ds.subset(np.sort(rng.choice(ds.n, options.max_train + options.n_val, replace=False)))
    if not 0 <= options.n_val < ds.n:
        raise ValueError(f"the validation size must be between 0 and {ds.n - 1} "
                         f"(the data set has {ds.n} digits), got {options.n_val}")
    probes = probe_labels = None
    if options.source in ("mnist-sample", "mnist"):      # the test split: probes, and held out by default
        test = load_dataset(options.source, "test")
        first = test.subset(np.arange(min(max(DEFAULT_HELD_OUT, MAX_PROBES), test.n)))
        probes, probe_labels = first.binarize(options.threshold)[:MAX_PROBES], first.labels
    held_labels = None
    if options.n_val:
        train, val = ds.split_validation(options.n_val, np.random.default_rng(split_seed))
        held, held_name = val.binarize(options.threshold), f"{options.n_val} validation digits"
        held_labels = val.labels
    elif probes is not None:
        train, held = ds, probes[:DEFAULT_HELD_OUT]
        held_name = f"first {held.shape[0]} test digits"
        held_labels = None if probe_labels is None else probe_labels[:held.shape[0]]
    else:
        train, held, held_name = ds, None, "none"
    binary = train.binarize(options.threshold)
    if probes is None:
        probes = (held if held is not None else binary)[:MAX_PROBES]
    return PreparedData(options, ds.name, ds.image_shape, binary, held, held_name, probes,
                        train.flat() if options.stochastic else None, probe_labels, train.labels, held_labels)


def _expected_labels(source: str) -> str:
    """Where the labels of ``source`` would be: the file beside an IDX images file."""
    if source in ("mnist-sample", "mnist"):
        return f"the {source} labels"
    path = labels_path_for(source)
    return f"expected {path}" if path is not None else f"{source} has no 'images' in its name to pair with"
