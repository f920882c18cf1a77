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

# A Python virtual environment with REQ's packages (and any extra ones named after it), made
# outside the clone by Scripts/python-env.sh (keyed by a hash of the requirements, so it is reused
# across clones and sessions); DIR becomes a symbolic link to it, so DIR/bin/python works.
ensure_venv() {
  local dir=$1 req=$2
  shift 2
  local py
  py=$(bash Scripts/python-env.sh "$req" "$@")
  [ -L "$dir" ] || rm -rf "$dir"
  ln -sfn "$(dirname "$(dirname "$py")")" "$dir"
}

# $DATA/tf-bert-base/tf_model.h5 (≈438 MB): a bert-base-sized Hugging Face TF checkpoint written by
# transformers' TFBertModel (Benchmarks/make_tf_bert_base.py) in the fixture environment of
# Fixtures/requirements-keras.txt, created in .venv-keras/ when missing.
ensure_tf_bert_base() {
  [ -f "$DATA/tf-bert-base/tf_model.h5" ] && return
  ensure_venv .venv-keras Fixtures/requirements-keras.txt
  .venv-keras/bin/python Benchmarks/make_tf_bert_base.py "$DATA/tf-bert-base"
}
