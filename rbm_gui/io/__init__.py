"""Qt-free file layer: atomic writes, the rbm-gui model file, and the legacy pickle importer."""

from rbm_gui.io.atomic import atomic_open, atomic_path
from rbm_gui.io.legacy import LegacyModelError, import_legacy
from rbm_gui.io.model_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    ModelFileError,
    SavedModel,
    default_image_shape,
    load_model,
    save_model,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "LegacyModelError",
    "ModelFileError",
    "SavedModel",
    "atomic_open",
    "atomic_path",
    "default_image_shape",
    "import_legacy",
    "load_model",
    "save_model",
]
