#!/usr/bin/env bash
# Re-make the README's screenshots with the app's own offscreen screenshot command.
set -euo pipefail
cd "$(dirname "$0")"
export QT_QPA_PLATFORM=offscreen
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rbm-gui train --hidden 100 --epochs 10 --out "$tmp/m100.npz" --quiet
rbm-gui train --hidden 20 --epochs 20 --out "$tmp/m20.npz" --quiet
for tab in weights history metrics; do rbm-gui screenshot "$tab.png" --tab "$tab" --model "$tmp/m100.npz"; done
for tab in reconstruct dream; do rbm-gui screenshot "$tab.png" --tab "$tab" --model "$tmp/m20.npz"; done
