"""Training settings: the one source of truth for every default, shared by the CLI and the window.

The defaults were chosen by measurement (``benchmarks/quality.py``, and sweeps over learning rate,
momentum, batch size, CD-k and PCD with 10-30 seeds each): a centred RBM trained with persistent
CD, momentum 0.5 and a linearly decaying learning rate. With Hinton's usual momentum switch to
0.9, PCD made the model oscillate (the test likelihood moved by 5-40 nats between consecutive
epochs) and single seeds ended near -150; plain CD-1 gave -164 to -175, centred CD-1 -147 to
-152, centred CD-3 -141.6 to -149.6 (20 hidden units, 20 epochs, 5,000-digit sample).
Learning rate 0.05 for 40 epochs (issue 14; lr 0.1 for 20 epochs before): at 500 hidden units
the AIS bracket of the test log-likelihood moved from [-101.1, -97.0] to [-93.8, -89.7] nats
(400 units: [-100.9, -101.0] to [-93.6, -89.6]; lr 0.05 for 20 epochs [-96.6, -94.4], lr 0.03
for 40 [-93.8, -91.2], lr 0.02 for 20 [-109.7, -109.2], batch 20 or 100 worse by 8-15 nats;
3,000 temperatures, 50 + 50 runs, docs/engine-notes.md); at 20 units the exact score stayed
(seeds 0-3: mean -140.2, was -140.8).
Ranges in ``LIMITS`` follow Hinton's "A Practical Guide
to Training Restricted Boltzmann Machines" (2010) and are what the window's spin boxes allow.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

SCHEDULES = ("constant", "exponential", "linear")


class ConfigError(ValueError):
    """A setting is out of range or inconsistent; the message names the setting and the allowed range."""


#: (minimum, maximum) of each numeric setting.
LIMITS: dict[str, tuple[float, float]] = {
    "n_hidden": (1, 10_000),
    "epochs": (1, 100_000),
    "batch_size": (1, 10_000),
    "learning_rate": (1e-6, 100.0),
    "lr_decay": (0.01, 1.0),
    "momentum": (0.0, 0.99),
    "initial_momentum": (0.0, 0.99),
    "momentum_switch_epoch": (0, 100_000),
    "weight_decay": (0.0, 1.0),
    "cd_k": (1, 1000),
    "sparsity_target": (0.0, 1.0),
    "sparsity_cost": (0.0, 100.0),
    "offset_rate": (0.0, 1.0),
    "discriminative_weight": (0.0, 1000.0),
    "shift_pixels": (0, 3),
    "seed": (0, 2**63 - 1),
    # Not training settings: bounds of other arguments the CLI and the window share.
    "n_visible": (1, 16_384),            # pixels per image (128 x 128): W is n_visible x n_hidden
    "ais_runs": (2, 10_000),
    "ais_reverse_runs": (0, 10_000),
    "ais_betas": (10, 1_000_000),
    "threshold": (1, 255),
    "download_timeout": (0.1, 3600.0),   # seconds
}

#: Size maxima of files read, checked from headers before anything is decompressed or allocated
#: (the hostile-input suite, tests/hostile/, crafts files beyond each). Bytes.
FILE_LIMITS: dict[str, int] = {
    # Decompressed IDX payload: the full MNIST train images are 47 MB, EMNIST "byclass" 547 MB.
    "idx_bytes": 1 << 30,
    # One model-file member (the largest W, 16,384 x 10,000 float32, is 655 MB).
    "npz_member_bytes": 1 << 30,
    # All members of one model file together, decompressed.
    "npz_total_bytes": 2 << 30,
    # The JSON metadata member (a 100,000-epoch history is ~30 MB of UTF-32).
    "npz_meta_bytes": 64 << 20,
    # A legacy pickle (a 10,000-unit float64 legacy model is ~63 MB).
    "pickle_bytes": 256 << 20,
    # A downloaded file whose size is not published (the MNIST files' sizes are known).
    "download_bytes": 64 << 20,
}

# Export limits (rbm-gui dream / figure and the window's export dialog): bounded so that no argument
# can ask for minutes of work or gigabytes of pixels.
LIMITS.update({
    "dream_steps": (0, 100_000),
    "dream_every": (1, 1000),
    "dream_fps": (1, 120),            # GIF delays are whole 1/100 s; ffmpeg needs a sane rate
    "dream_scale": (1, 32),
    "dream_chains": (1, 16),
    "dream_data_chains": (1, 10_000),         # rbm-gui dream --out FILE.npz
    "dream_data_values": (1, 1 << 30),        # frames x chains x pixels of one .npz (~5 GB)
    "dream_temperature": (0.01, 100),
    "dream_tempering": (0, 32),
    "dream_wander": (0, 10),
    "dream_label_strength": (0.1, 10),
    "figure_scale": (1, 32),
    "figure_cols": (1, 1000),
    "figure_count": (1, 200),
    "figure_samples": (1, 10_000),
    "figure_reconstructions": (1, 200_000),   # averages: --samples x --count (seconds, not hours)
    "figure_top_k": (1, 10_000),
    "picture_pixels": (1, 64_000_000),   # one figure or animation frame, width x height
})

#: Defaults that differ for labelled models (``labels=True``; the unlabelled ones below), chosen by
#: ``benchmarks/label_accuracy.py`` and the label part of ``benchmarks/dream_quality.py``: a mild
#: sparsity penalty with the hybrid weight 10 and shifted digits for the label gradient
#: (``discriminative_weight``, ``shift_pixels``: labelled-only settings) reached 95% test accuracy
#: in 20 epochs on every seed tried and, of the settings tried, the best label-clamped dreams
#: (docs/engine-notes.md).
LABELLED_DEFAULTS = {"sparsity_target": 0.1, "sparsity_cost": 0.3}
UNLABELLED_DEFAULTS = {"sparsity_target": 0.0, "sparsity_cost": 0.0}

#: One sentence per setting: the window's tooltips and the CLI's help use the same text.
HELP: dict[str, str] = {
    "n_hidden": "Number of hidden units (feature detectors); 10-20 learn whole digits, 400 learn strokes.",
    "epochs": "Passes over the training digits.",
    "batch_size": "Digits per mini-batch update; 10-100 is usual (Hinton's guide).",
    "learning_rate": "Step size of each update; 0.01-0.1 is usual, too large makes training diverge.",
    "lr_schedule": "How the learning rate changes: constant, x decay per epoch (exponential), or linear to zero.",
    "lr_decay": "Per-epoch factor of the exponential schedule (the blog's code used such a decay).",
    "momentum": "Fraction of the previous update carried into the next after the first epochs; "
                "0.5 is stable with persistent CD, 0.9 speeds up plain CD.",
    "initial_momentum": "Momentum for the first epochs, while the weights are still large and noisy (0.5).",
    "momentum_switch_epoch": "Epoch at which momentum switches from the initial to the final value.",
    "weight_decay": "L2 penalty on the weights, 0.0001 is usual; keeps weights small and the chains mixing.",
    "cd_k": "Gibbs steps in each contrastive-divergence update (CD-k); 1 is the usual choice.",
    "pcd": "Persistent CD: keep the negative Gibbs chains running across updates instead of restarting at the data.",
    "sparsity_target": "Desired mean activation of each hidden unit (0 = no sparsity penalty); 0.01-0.1. "
                       f"Labelled models default to {LABELLED_DEFAULTS['sparsity_target']:g} "
                       f"(cost {LABELLED_DEFAULTS['sparsity_cost']:g}), unlabelled ones to 0.",
    "sparsity_cost": "Weight of the sparsity penalty.",
    "centering": "Centre visible and hidden units by their means in the gradient (Montavon & Mueller 2012).",
    "offset_rate": "Moving-average rate of the hidden offsets used by centring.",
    "labels": "Learn the digits' labels too: softmax label units joined to the hidden layer, so the model "
              "classifies (exact P(label|image)) and can dream a chosen digit.",
    "discriminative_weight": "With labels: weight of the exact gradient of log P(label|image) added to the "
                             "generative CD gradient (Larochelle & Bengio's hybrid; 0 = a plain joint RBM). "
                             "Without centring, large weights diverge: use about 5.",
    "shift_pixels": "With labels: the label gradient sees each training digit moved by a random -N..N pixels "
                    "up/down and left/right, afresh at every pass (data augmentation against over-fitting; "
                    "the generative side sees the digits as they are; 0 = off).",
    "seed": "Seed of the one random generator: the same seed and settings give identical weights.",
}


@dataclass
class TrainingConfig:
    """Hyperparameters of CD-k / PCD training. Every default lives here."""

    n_hidden: int = 20
    epochs: int = 40
    batch_size: int = 50
    learning_rate: float = 0.05
    lr_schedule: str = "linear"
    lr_decay: float = 0.9
    momentum: float = 0.5
    initial_momentum: float = 0.5
    momentum_switch_epoch: int = 5
    weight_decay: float = 1e-4
    cd_k: int = 1
    pcd: bool = True
    sparsity_target: float = None       # type: ignore[assignment]  # None: the mode's default
    sparsity_cost: float = None         # type: ignore[assignment]  # (LABELLED_DEFAULTS / UNLABELLED_DEFAULTS)
    centering: bool = True
    offset_rate: float = 0.01
    seed: int = 0
    labels: bool = False
    discriminative_weight: float = 10.0
    shift_pixels: int = 1
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        defaults = LABELLED_DEFAULTS if self.labels else UNLABELLED_DEFAULTS
        if self.sparsity_target == 0 and self.sparsity_cost is None:
            self.sparsity_cost = 0.0        # target 0 means no penalty: no cost either
        for name, value in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    def validate(self) -> "TrainingConfig":
        """Raise ConfigError for the first out-of-range or inconsistent setting; return self."""
        fields = {f.name for f in dataclasses.fields(self)}
        for name, (lo, hi) in LIMITS.items():
            if name not in fields:      # a bound of another argument (AIS runs, threshold...)
                continue
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{name} must be finite, got {value}")
            if not lo <= value <= hi:
                raise ConfigError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
            field_type = {f.name: f.type for f in dataclasses.fields(self)}[name]
            if field_type == "int" and int(value) != value:
                raise ConfigError(f"{name} must be a whole number, got {value}")
        if self.lr_schedule not in SCHEDULES:
            raise ConfigError(f"lr_schedule must be one of {', '.join(SCHEDULES)}, got {self.lr_schedule!r}")
        if self.sparsity_cost > 0 and self.sparsity_target <= 0:
            raise ConfigError("sparsity_cost > 0 needs a sparsity_target between 0 and 1")
        return self

    def to_dict(self) -> dict:
        """JSON-able dict (stored in model files)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingConfig":
        """Build from a dict, ignoring unknown keys (model files from other versions)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def replace(self, **changes) -> "TrainingConfig":
        """A copy with ``changes``. Turning ``labels`` on or off also moves the settings that
        differ by mode (``LABELLED_DEFAULTS``) from the old mode's default to the new one's,
        unless they were changed by hand or are in ``changes``."""
        if "labels" in changes and bool(changes["labels"]) != self.labels:
            old, new = ((UNLABELLED_DEFAULTS, LABELLED_DEFAULTS) if changes["labels"]
                        else (LABELLED_DEFAULTS, UNLABELLED_DEFAULTS))
            for name, value in new.items():
                if name not in changes and getattr(self, name) == old[name]:
                    changes[name] = value
        return dataclasses.replace(self, **changes)
