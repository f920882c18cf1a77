#!/usr/bin/env bash
# The same commands with two builds of weightkit in one run: BASE (default f69d0dd, the last
# commit before the reader and graph registries) and the working tree, both release builds with
# the Swift runtime linked statically. Figures: hyperfine medians and the ratio new / base for
# inspect (tf_model.h5 and model.safetensors, bert-base sized), a mapping conversion
# (tf_model.h5 -> graph-ready .wkc), and the forward pass (`bench`'s own median, 1x128 and 8x128,
# on the graph-ready .wkc each build wrote), alternating the builds three times.
#
#   bash Benchmarks/before_after.sh            (BASE=<commit>, RUNS=10 by default)
source "$(dirname "$0")/common.sh"
BASE=${BASE:-f69d0dd}
RUNS=${RUNS:-10}
need_hyperfine
ensure_tf_bert_base
ensure_venv .venv-torch Fixtures/requirements-torch.txt onnxruntime onnx
ensure_bert_base_pt .venv-torch/bin/python
build_release
NEW=$WK
SRC=${BASE_SRC:-/tmp/weightkit-base-$BASE}
if [ ! -x "$SRC/.build-release-static/release/weightkit" ]; then
  [ -d "$SRC" ] || git worktree add -f "$SRC" "$BASE" >/dev/null
  (cd "$SRC" && swift build -c release --static-swift-stdlib --scratch-path .build-release-static >/dev/null 2>&1)
fi
OLD=$SRC/.build-release-static/release/weightkit
H=$DATA/tf-bert-base/tf_model.h5
S=$DATA/bert-base-pt/model.safetensors
echo "base $BASE ($OLD), new $(git rev-parse --short HEAD)+tree ($NEW); runs: $RUNS; warm page cache; $(nproc) cores"
J=$(mktemp -d)
hyperfine -N -w 2 -r "$RUNS" --export-json "$J/inspect.json" \
  -n "inspect h5 base" "$OLD inspect $H" -n "inspect h5 new" "$NEW inspect $H" \
  -n "inspect st base" "$OLD inspect $S" -n "inspect st new" "$NEW inspect $S" >/dev/null
hyperfine -N -w 1 -r "$RUNS" --export-json "$J/map.json" \
  -n "map-convert base" "$OLD convert $H -o $DATA/ba-base.wkc --model bert" \
  -n "map-convert new" "$NEW convert $H -o $DATA/ba-new.wkc --model bert" >/dev/null
for shape in "1 128" "8 128"; do
  set -- $shape
  for round in 1 2 3; do
    for side in base new; do
      bin=$OLD; [ $side = new ] && bin=$NEW
      ms=$("$bin" bench "$DATA/ba-$side.wkc" --batch "$1" --seq "$2" --runs 10 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["forward_ms"]["median"])')
      echo "forward ${1}x${2} $side $ms" >> "$J/forward.txt"
    done
  done
done
PYTHONPATH=Benchmarks python3 - "$J" <<'PY'
import statistics, sys
from hyperfine_medians import medians
j = sys.argv[1]
m = medians(f"{j}/inspect.json", f"{j}/map.json")
print(f"{'command':<22}{'base ms':>10}{'new ms':>10}{'new/base':>10}")
for name in ["inspect h5", "inspect st", "map-convert"]:
    b, n = m[f"{name} base"] * 1e3, m[f"{name} new"] * 1e3
    print(f"{name:<22}{b:>10.1f}{n:>10.1f}{n / b:>10.3f}")
fw = {}
for line in open(f"{j}/forward.txt"):
    _, shape, side, ms = line.split()
    fw.setdefault((shape, side), []).append(float(ms))
for shape in ["1x128", "8x128"]:
    b, n = statistics.median(fw[(shape, "base")]), statistics.median(fw[(shape, "new")])
    print(f"{'forward ' + shape:<22}{b:>10.1f}{n:>10.1f}{n / b:>10.3f}")
PY
