#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle: dist/rbm-gui/rbm-gui (+ its _internal/ folder).
#
#   packaging/build.sh            # build, then smoke-test the bundle headless
#   packaging/build.sh --no-test  # build only
#   RBM_GUI_BUNDLE_MP4=1 packaging/build.sh   # include imageio-ffmpeg for MP4 export (+~170 MB)
#   PYTHON=.venv/bin/python packaging/build.sh
#
# Needs rbm-gui installed in that Python (pip install -e ".[bundle]"); installs PyInstaller if it
# is missing. The bundle runs on Linux with glibc >= 2.34 and still needs the system libraries
# listed in README.md (libgl1 libegl1 libfontconfig1 fonts-dejavu-core ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
DIST="${DIST:-dist}"
WORK="${WORK:-build/pyinstaller}"

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "build.sh: installing PyInstaller into $PYTHON"
  "$PYTHON" -m pip install -q "pyinstaller>=6.10" pyinstaller-hooks-contrib
fi
"$PYTHON" -c "import rbm_gui.resources" 2>/dev/null || {
  echo "build.sh: rbm-gui is not installed in $PYTHON; run: $PYTHON -m pip install -e '.[bundle]'" >&2; exit 1; }

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/rbm-gui.spec
echo "build.sh: built $DIST/rbm-gui in $(( $(date +%s) - start )) s, $(du -sh "$DIST/rbm-gui" | cut -f1)"

if [ "${1:-}" != "--no-test" ]; then
  exe="$DIST/rbm-gui/rbm-gui"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  export QT_QPA_PLATFORM=offscreen LANG="${LANG:-C.UTF-8}"
  "$exe" --version
  "$exe" train --epochs 1 --hidden 5 --quiet --out "$tmp/model.npz"
  test -s "$tmp/model.npz"
  if "$exe" screenshot --help >/dev/null 2>&1; then
    "$exe" screenshot "$tmp/window.png"
    test -s "$tmp/window.png"
    echo "build.sh: bundle smoke test passed (train, screenshot)"
  else
    echo "build.sh: bundle smoke test passed (train; this build has no screenshot command)"
  fi
fi
