#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   ./dev.sh run    install everything (first time only) and open the window on the bundled data
#   ./dev.sh test   install everything (first time only) and run the whole test suite
#   ./dev.sh setup  only install
# It installs the system libraries Qt needs (Debian/Ubuntu, via apt-get; sudo when not root),
# creates a virtual environment in .venv with rbm-gui and its test extra, and links
# ~/.local/bin/rbm-gui (or ~/bin/rbm-gui) to .venv/bin/rbm-gui when that folder is on PATH, so the
# README's `rbm-gui ...` commands work in any shell; otherwise it says how to activate .venv.
set -euo pipefail
cd "$(dirname "$0")"

# Offscreen Qt (tests, screenshots) and a real X window need these (see README, Troubleshooting).
APT_PACKAGES="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth
  desktop-file-utils appstream"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

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
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    touch "$VENV/.installed"
  fi
}

# The launcher: a symlink in the first of ~/.local/bin, ~/bin that is on PATH (pipx's convention),
# else in ~/.local/bin with a hint (Debian/Ubuntu's ~/.profile puts it on PATH once it exists).
# Only our own kind of link is replaced (a link to some checkout's .venv/bin/rbm-gui), never a file.
launcher() {
  local target dir="" link on_path=yes
  [ -n "${HOME:-}" ] || return 0
  target="$(cd "$(dirname "$VENV/bin/rbm-gui")" && pwd)/rbm-gui"
  [ -x "$target" ] || { echo "dev.sh: $target is missing; run ./dev.sh setup" >&2; return 0; }
  for d in "$HOME/.local/bin" "$HOME/bin"; do
    case ":$PATH:" in *":$d:"*) dir="$d"; break ;; esac
  done
  [ -n "$dir" ] || { dir="$HOME/.local/bin"; on_path=no; }
  link="$dir/rbm-gui"
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "dev.sh: $link exists and is not a link; leaving it (use $target)" >&2; return 0
  fi
  if [ -L "$link" ] && [ "$(readlink "$link")" != "$target" ]; then
    case "$(readlink "$link")" in */.venv/bin/rbm-gui) ;;
      *) echo "dev.sh: $link points elsewhere; leaving it (use $target)" >&2; return 0 ;; esac
  fi
  if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
    if mkdir -p "$dir" 2>/dev/null && ln -sfn "$target" "$link" 2>/dev/null; then
      echo "dev.sh: linked $link -> $target"
    else
      on_path=no
    fi
  fi
  if [ "$on_path" = no ]; then
    echo "dev.sh: rbm-gui is not on this shell's PATH: run  source $VENV/bin/activate  (or add ~/.local/bin to PATH)" >&2
  fi
}

setup() { system_packages; python_env; launcher; }

case "${1:-run}" in
  setup) setup ;;
  launcher) launcher ;;
  run)   shift || true; setup; exec "$VENV/bin/rbm-gui" "$@" ;;
  test)  shift; setup; QT_QPA_PLATFORM=offscreen exec "$VENV/bin/python" -m pytest "$@" ;;
  *) echo "usage: ./dev.sh run|test|setup|launcher" >&2; exit 2 ;;
esac
