#!/usr/bin/env bash
# A pinned Python environment outside the clone, keyed by a hash of its requirements, so CI runs
# and later sessions reuse it and a change to the pins makes a new one:
#   bash Scripts/python-env.sh Fixtures/requirements-torch.txt [EXTRA_PACKAGE ...]   # prints its python
# Environments live under ${WEIGHTKIT_CACHE:-~/.cache/weightkit}/venv-<sha256[0:16]>; a partly
# made one (killed install) is never reused: the marker file is written last.
# A requirements line `#no-deps: PACKAGE==VERSION` is installed afterwards with --no-deps (for
# packages such as tf-models-official whose declared dependencies are far wider than what is used).
set -euo pipefail
req=$1
shift
root="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}"
spec() { cat "$req"; [ $# -eq 0 ] || printf '%s\n' "$@"; }
key=$(spec "$@" | sha256sum | cut -c1-16)
dir="$root/venv-$key"
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$root"
  rm -rf "$dir"
  python3 -m venv "$dir" >&2
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" "$@" >&2
  nodeps=$(sed -n 's/^#no-deps:[[:space:]]*//p' "$req")
  if [ -n "$nodeps" ]; then
    # shellcheck disable=SC2086
    "$dir/bin/pip" install -q --disable-pip-version-check --no-deps $nodeps >&2
  fi
  spec "$@" > "$dir/requirements.txt"
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
