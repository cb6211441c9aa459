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


def test_ui_holds_only_qt_code():
    """Every module under rbm_gui/ui imports Qt itself; Qt-free code lives in app/, viz/, engine/...

    Exceptions: package docstrings and the view registry (it names the Qt tab widgets by import path).
    """
    import ast
    from pathlib import Path

    import rbm_gui
    ui = Path(rbm_gui.__file__).parent / "ui"
    qt_free = []
    for path in sorted(ui.rglob("*.py")):
        if path.name == "__init__.py" or path.relative_to(ui).as_posix() == "registry.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        if not any(n.split(".")[0] in ("PySide6", "pyqtgraph") for n in names):
            qt_free.append(path.relative_to(ui).as_posix())
    assert qt_free == [], f"Qt-free modules under rbm_gui/ui (move them to app/ or viz/): {qt_free}"


def test_lower_layers_do_not_import_the_cli_or_the_window():
    """engine, data, io, viz and app never import rbm_gui.commands or rbm_gui.ui (the CLI and the
    window are built on them, not the other way round)."""
    import ast
    from pathlib import Path

    import rbm_gui
    root = Path(rbm_gui.__file__).parent
    wrong = []
    for layer in ("engine", "data", "io", "viz", "app"):
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            wrong += [f"{layer}/{path.name}: {m}" for m in sorted(names)
                      if m.startswith(("rbm_gui.commands", "rbm_gui.ui", "rbm_gui.cli"))]
    assert wrong == []
