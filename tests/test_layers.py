"""The Qt-free layers stay Qt-free: importing every module under them loads no Qt."""

import subprocess
import sys

CODE = r"""
import importlib, pkgutil, sys
import rbm_gui
for layer in ("engine", "data", "io", "viz", "app"):
    pkg = importlib.import_module(f"rbm_gui.{layer}")
    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"rbm_gui.{layer}.{mod.name}")
import rbm_gui.session, rbm_gui.config, rbm_gui.cli
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"))
print(",".join(loaded))
"""


def test_engine_data_io_viz_app_and_cli_import_no_qt():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"Qt modules loaded by Qt-free layers: {res.stdout}"


def test_engine_imports_only_numpy_and_the_standard_library():
    code = ("import sys, importlib, pkgutil, rbm_gui.engine as e\n"
            "before = set(sys.modules)\n"
            "[importlib.import_module('rbm_gui.engine.' + m.name) for m in pkgutil.iter_modules(e.__path__)]\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} - {'rbm_gui'}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    third_party = {m for m in eval(res.stdout) if m in ("scipy", "sklearn", "PIL", "pyqtgraph", "PySide6", "platformdirs")}
    assert third_party == set()
