# Sourced by the benchmark scripts: the package root as working directory, the data folder
# (git-ignored), and what several of them need.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA=bench-data
mkdir -p "$DATA"

need_hyperfine() { command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }; }

# weightkit in release with the Swift runtime linked statically (the way a release binary ships).
build_release() {
  swift build -c release --static-swift-stdlib --scratch-path .build-release-static >/dev/null 2>&1
  WK=.build-release-static/release/weightkit
}

# Peak RSS of a command, in KiB (GNU time).
peak_rss_kib() { { /usr/bin/time -f "%M" "$@" >/dev/null; } 2>&1 | tail -1; }

# $DATA/bert-base-pt: a bert-base-sized Hugging Face PyTorch directory (model.safetensors and
# config.json), written by Benchmarks/make_bert_base.py with the given Python.
ensure_bert_base_pt() {
  [ -f "$DATA/bert-base-pt/model.safetensors" ] && return
  mkdir -p "$DATA/bert-base-pt"
  "$1" Benchmarks/make_bert_base.py "$DATA/bert-base-pt/model.safetensors"
}

# A Python virtual environment in DIR with REQ's packages (and any extra ones named after it):
# made when missing, brought up to date when the requirements changed (recorded in
# DIR/installed-requirements.txt).
ensure_venv() {
  local dir=$1 req=$2
  shift 2
  local want
  want="$(cat "$req"; printf '%s\n' "$@")"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/installed-requirements.txt" 2>/dev/null)" = "$want" ]; then return; fi
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" "$@"
  printf '%s\n' "$want" > "$dir/installed-requirements.txt"
}

# $DATA/tf-bert-base/tf_model.h5 (≈438 MB): a bert-base-sized Hugging Face TF checkpoint written by
# transformers' TFBertModel (Benchmarks/make_tf_bert_base.py) in the fixture environment of
# Fixtures/requirements-keras.txt, created in .venv-keras/ when missing.
ensure_tf_bert_base() {
  [ -f "$DATA/tf-bert-base/tf_model.h5" ] && return
  ensure_venv .venv-keras Fixtures/requirements-keras.txt
  .venv-keras/bin/python Benchmarks/make_tf_bert_base.py "$DATA/tf-bert-base"
}
