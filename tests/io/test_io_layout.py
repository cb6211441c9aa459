"""The io package after its split (issue 11): small modules, and every public name still
importable from where callers imported it before, as the very same object."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import rbm_gui.io as io_package
from rbm_gui.io import checkpoint, legacy, legacy_unpickler, model_file, model_meta, saved_model, session_markers

IO_DIR = Path(io_package.__file__).parent


def test_every_io_module_is_at_most_300_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in IO_DIR.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 300} == {}


def test_old_import_paths_give_the_new_homes_objects():
    assert model_file.SavedModel is saved_model.SavedModel
    assert model_file.ModelFileError is saved_model.ModelFileError
    assert model_file.default_image_shape is saved_model.default_image_shape
    assert model_file.read_error is saved_model.read_error
    assert (model_file.FORMAT_NAME, model_file.FORMAT_VERSION) == (model_meta.FORMAT_NAME, model_meta.FORMAT_VERSION)
    assert checkpoint.process_alive is session_markers.process_alive
    assert issubclass(legacy.LegacyModelError, saved_model.ModelFileError)
    for module in (model_file, checkpoint, legacy, io_package):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], module.__name__


def test_restricted_unpickler_refuses_a_global_it_does_not_know():
    data = pickle.dumps(print)          # a pickle naming builtins.print
    with pytest.raises(legacy_unpickler.Refused, match="refused builtins.print"):
        legacy_unpickler.load_legacy_state(data)
