"""The freedesktop .desktop entry and the AppStream metainfo in packaging/.

The official validators run when installed (``apt-get install desktop-file-utils appstream``) and
are skipped otherwise; the always-on checks parse both files and compare them with the package.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import rbm_gui
from rbm_gui.resources_paths import APP_ID

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"


def _desktop_entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str            # desktop keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11+")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the official validators


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate not installed (apt-get install desktop-file-utils)")
def test_desktop_file_validate():
    res = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "error:" not in out and "warning:" not in out, out


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli not installed (apt-get install appstream)")
def test_appstreamcli_validate():
    res = subprocess.run(["appstreamcli", "validate", "--no-net", "--no-color", str(METAINFO)],
                         capture_output=True, text=True, timeout=60)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    # Errors (E:) and warnings (W:) fail; infos and pedantic hints (e.g. uppercase in the
    # reverse-DNS id, which Flathub-style ids have) are accepted.
    assert not any(line.startswith(("E:", "W:")) for line in out.splitlines()), out


# ------------------------------------------------------------------ always-on checks


def test_desktop_entry_keys():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Comment"]
    assert entry["Exec"].split()[0] == "rbm-gui"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    for key in ("Categories", "Keywords"):
        assert entry[key].endswith(";"), f"{key} must end with ';'"
    assert "Science" in entry["Categories"].split(";")


def test_desktop_exec_is_the_installed_script():
    scripts = _pyproject()["project"]["scripts"]
    assert _desktop_entry()["Exec"].split()[0] in scripts


def test_metainfo_matches_package():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.find("launchable").get("type") == "desktop-id"
    assert root.findtext("provides/binary") == "rbm-gui"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("name") == _desktop_entry()["Name"]
    summary = root.findtext("summary")
    assert summary and len(summary) <= 80 and not summary.endswith(".")
    assert len(root.findall("description/p")) >= 1
    versions = [r.get("version") for r in root.findall("releases/release")]
    assert rbm_gui.__version__ in versions, "add a <release> for the current version"


def test_metainfo_licence_matches_pyproject():
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("project_license") == _pyproject()["project"]["license"]
