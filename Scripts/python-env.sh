#!/usr/bin/env bash
# A pinned Python environment outside the clone, keyed by a hash of its requirements, so CI runs
# and later sessions reuse it and a change to the pins makes a new one:
#   bash Scripts/python-env.sh Fixtures/requirements-torch.txt   # prints the environment's python
# Environments live under ${WEIGHTKIT_CACHE:-~/.cache/weightkit}/venv-<sha256[0:16]>; a partly
# made one (killed install) is never reused: the marker file is written last.
set -euo pipefail
req=$1
root="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}"
key=$(sha256sum "$req" | cut -c1-16)
dir="$root/venv-$key"
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$root"
  rm -rf "$dir"
  python3 -m venv "$dir" >&2
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$dir/requirements.txt"
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
