#!/usr/bin/env bash
# Install the desktop entry, AppStream metainfo and icons so rbm-gui appears in the application menu.
#
#   packaging/install-desktop.sh                  # for this user: ~/.local/share
#   PREFIX=/usr/local packaging/install-desktop.sh   # system-wide (as root)
#   packaging/install-desktop.sh --uninstall
#
# The entry runs `rbm-gui`, so rbm-gui must be on PATH (pip install, or the bundle's folder).
set -euo pipefail
cd "$(dirname "$0")/.."
APP_ID=io.github.rbmgui.RbmGui
DATA="${PREFIX:+$PREFIX/share}"
DATA="${DATA:-${XDG_DATA_HOME:-$HOME/.local/share}}"
SIZES="16 32 48 64 128 256"

files() {
  echo "$DATA/applications/$APP_ID.desktop"
  echo "$DATA/metainfo/$APP_ID.metainfo.xml"
  echo "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
  for s in $SIZES; do echo "$DATA/icons/hicolor/${s}x${s}/apps/$APP_ID.png"; done
}

if [ "${1:-}" = "--uninstall" ]; then
  files | xargs rm -f
  echo "install-desktop: removed rbm-gui's desktop files from $DATA"
else
  install -Dm644 "packaging/$APP_ID.desktop" "$DATA/applications/$APP_ID.desktop"
  install -Dm644 "packaging/$APP_ID.metainfo.xml" "$DATA/metainfo/$APP_ID.metainfo.xml"
  install -Dm644 resources/icons/rbm-gui.svg "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
  for s in $SIZES; do
    install -Dm644 "resources/icons/rbm-gui-$s.png" "$DATA/icons/hicolor/${s}x${s}/apps/$APP_ID.png"
  done
  echo "install-desktop: installed into $DATA"
  command -v rbm-gui >/dev/null 2>&1 || echo "install-desktop: note: rbm-gui is not on PATH; the menu entry needs it" >&2
fi
# Refresh the caches when the tools exist (they are optional).
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" 2>/dev/null || true
