"""The labelled models' own defaults (config.LABELLED_DEFAULTS): resolved by the mode, moved when
Learn labels is switched, the same for the CLI, and no change at all for unlabelled models."""

import pytest

from rbm_gui.cli import build_parser
from rbm_gui.commands.train import config_from_args
from rbm_gui.config import LABELLED_DEFAULTS, UNLABELLED_DEFAULTS, ConfigError, TrainingConfig


def sparsity(cfg):
    return {"sparsity_target": cfg.sparsity_target, "sparsity_cost": cfg.sparsity_cost}


def test_each_mode_gets_its_defaults_and_explicit_values_win():
    assert sparsity(TrainingConfig()) == UNLABELLED_DEFAULTS == {"sparsity_target": 0.0, "sparsity_cost": 0.0}
    assert sparsity(TrainingConfig(labels=True)) == LABELLED_DEFAULTS
    assert LABELLED_DEFAULTS["sparsity_target"] > 0
    assert sparsity(TrainingConfig(labels=True, sparsity_target=0.05)) == {"sparsity_target": 0.05,
                                                                           "sparsity_cost": LABELLED_DEFAULTS["sparsity_cost"]}
    # a target of 0 means no penalty: the cost follows instead of making the pair invalid
    assert sparsity(TrainingConfig(labels=True, sparsity_target=0.0).validate()) == UNLABELLED_DEFAULTS
    with pytest.raises(ConfigError, match="sparsity"):
        TrainingConfig(sparsity_cost=0.5).validate()
    # stored in model files as numbers: the round trip gives the same settings
    cfg = TrainingConfig(labels=True)
    assert TrainingConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainingConfig.from_dict({"labels": True, "n_hidden": 7}).sparsity_target == LABELLED_DEFAULTS["sparsity_target"]


def test_switching_labels_moves_only_settings_left_at_the_other_modes_default():
    on = TrainingConfig(n_hidden=30).replace(labels=True)
    assert on.labels and sparsity(on) == LABELLED_DEFAULTS and on.n_hidden == 30
    assert sparsity(on.replace(labels=False)) == UNLABELLED_DEFAULTS
    mine = TrainingConfig(sparsity_target=0.02, sparsity_cost=0.5).replace(labels=True)
    assert sparsity(mine) == {"sparsity_target": 0.02, "sparsity_cost": 0.5}      # set by hand: kept
    asked = TrainingConfig().replace(labels=True, sparsity_cost=0.7)
    assert asked.sparsity_cost == 0.7 and asked.sparsity_target == LABELLED_DEFAULTS["sparsity_target"]
    same = TrainingConfig(labels=True, sparsity_target=0.2)
    assert same.replace(seed=3).sparsity_target == 0.2 and same.replace(labels=True) == same


@pytest.mark.parametrize("argv, expected", [
    ([], UNLABELLED_DEFAULTS),
    (["--labels"], LABELLED_DEFAULTS),
    (["--labels", "--sparsity-target", "0"], UNLABELLED_DEFAULTS),
    (["--sparsity-target", "0.05", "--sparsity-cost", "0.2"], {"sparsity_target": 0.05, "sparsity_cost": 0.2}),
])
def test_the_cli_resolves_the_same_defaults(argv, expected):
    cfg = config_from_args(build_parser().parse_args(["train", "--out", "m.npz", *argv]))
    assert sparsity(cfg) == expected
    assert cfg == TrainingConfig(**{**cfg.to_dict(), **expected})
