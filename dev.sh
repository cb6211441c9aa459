#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   ./dev.sh run    install everything (first time only) and open the window on the bundled data
#   ./dev.sh test   install everything (first time only) and run the whole test suite
#   ./dev.sh setup  only install
# It installs the system libraries Qt needs (Debian/Ubuntu, via apt-get; sudo when not root) and
# creates a virtual environment in .venv with rbm-gui and its test/mp4 extras.
set -euo pipefail
cd "$(dirname "$0")"

# Offscreen Qt (tests, screenshots) and a real X window need these (see README, Troubleshooting).
APT_PACKAGES="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth
  desktop-file-utils appstream"
PYTHON="${PYTHON:-python3}"
VENV=.venv

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

system_packages() {
  command -v apt-get >/dev/null 2>&1 || { echo "dev.sh: not a Debian/Ubuntu system; install the Qt libraries listed in README.md yourself" >&2; return 0; }
  local missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "dev.sh: installing system packages:$missing"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

python_env() {
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      command -v apt-get >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv "$VENV"
    fi
  fi
  # Re-install when pyproject.toml changed since the last install.
  if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test,mp4]"
    touch "$VENV/.installed"
  fi
}

setup() { system_packages; python_env; }

case "${1:-run}" in
  setup) setup ;;
  run)   shift || true; setup; exec "$VENV/bin/rbm-gui" "$@" ;;
  test)  shift; setup; QT_QPA_PLATFORM=offscreen exec "$VENV/bin/python" -m pytest "$@" ;;
  *) echo "usage: ./dev.sh run|test|setup" >&2; exit 2 ;;
esac
