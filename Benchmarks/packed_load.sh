#!/usr/bin/env bash
# Loading bf16 / int8 weights (issue 16): a graph-ready f32 .wkc packed at bind (`bench --precision
# P`) against a .wkc that stores them packed (`convert --model bert --precision P`), for
# all-MiniLM-L6-v2 and the bert-base-sized model: median load time and peak RSS over RUNS
# processes, file size, and the forward time at 8x128 from each (equal kernels, so equal time).
#
#   RUNS=10 bash Benchmarks/packed_load.sh
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-10}
ensure_venv .venv-peers Benchmarks/requirements-peers.txt
PY=.venv-peers/bin/python
MINILM=$(bash Scripts/minilm.sh "$PY")
ensure_bert_base_pt "$PY"
build_release
for model in "$MINILM" "$DATA/bert-base-pt"; do
  name=$(basename "$model")
  f32=$DATA/$name.packed-f32.wkc
  [ -f "$f32" ] || "$WK" convert "$model/model.safetensors" --model bert -o "$f32" >/dev/null
  for precision in bf16 int8; do
    packed=$DATA/$name.packed-$precision.wkc
    "$WK" convert "$model/model.safetensors" --model bert --precision "$precision" -o "$packed" >/dev/null
    for file in "$f32" "$packed"; do
      for i in $(seq "$RUNS"); do
        "$WK" bench "$file" --precision "$precision" --batch 1 --seq 16 --runs 1 --json |
          python3 -c "import json, sys; print(json.dumps(json.load(sys.stdin)))"
      done > "$DATA/load.jsonl"
      fwd=$("$WK" bench "$file" --precision "$precision" --batch 8 --seq 128 --runs 10 --json)
      python3 - "$name" "$precision" "$file" "$DATA/load.jsonl" "$fwd" <<'PY'
import json, os, statistics, sys
name, precision, path, runs, fwd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
rows = [json.loads(l) for l in open(runs)]
how = "stored packed" if "packed-f32" not in path else "packed at bind"
print(f"{name:24} {precision:5} {how:15} file {os.path.getsize(path) / 2**20:7.1f} MiB  "
      f"load {statistics.median(r['load_ms'] for r in rows):7.1f} ms  "
      f"peak RSS {statistics.median(r['peak_rss_bytes'] for r in rows) / 2**20:6.0f} MiB  "
      f"forward 8x128 {fwd['forward_ms']['median']:6.1f} ms")
PY
    done
  done
done
