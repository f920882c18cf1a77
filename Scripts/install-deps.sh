#!/usr/bin/env bash
# Installs the Debian packages WeightKit builds against, when they are missing.
# (Swift itself is expected on PATH: swift.org toolchain 6.x.)
set -euo pipefail
# time: GNU time, with which the resource-limit tests measure a command's peak RSS;
# util-linux: setpriv, with which the read-only-directory test drops root.
PACKAGES=(pkg-config zlib1g-dev libisal-dev nettle-dev libhdf5-dev libdnnl-dev python3 python3-venv time util-linux)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift 6 toolchain (swift.org)" >&2; exit 2; }
