#!/usr/bin/env bash
# TensorFlow checkpoint benchmarks (issue 14): on a bert-base-sized TF2 object checkpoint written by
# Model Garden (Benchmarks/make_tf2_bert_base.py, ≈420 MB, not committed), in the same run:
#   inspect  vs  tf.train.list_variables in a fresh Python process          goal ≥ 50×
#   convert to safetensors  vs  TensorFlow load + safetensors save_file     goal ≥ 3×
#   peak RSS of the conversion against the checkpoint's size                goal < 25 %
#
#   bash Benchmarks/tensorflow.sh        (RUNS=5 by default)
#
# Needs hyperfine and the environment of Fixtures/requirements-tensorflow.txt (made by
# Scripts/python-env.sh outside the clone).
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-5}
need_hyperfine
ensure_venv .venv-tensorflow Fixtures/requirements-tensorflow.txt
PY=.venv-tensorflow/bin/python
D=$DATA/tf2-bert-base
if ! ls "$D"/bert_model.ckpt-1.index >/dev/null 2>&1; then "$PY" Benchmarks/make_tf2_bert_base.py "$D" >/dev/null; fi
P=$D/bert_model.ckpt-1
build_release
SIZE=$(stat -c %s "$P".data-00000-of-00001)
echo "checkpoint: $P ($SIZE bytes of data), runs: $RUNS, warm page cache, $(nproc) cores"
cat > "$DATA/tf_list.py" <<'PY'
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
for name, shape in tf.train.list_variables(sys.argv[1]):
    print(name, shape)
PY
cat > "$DATA/tf_to_safetensors.py" <<'PY'
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
from safetensors.numpy import save_file
r = tf.train.load_checkpoint(sys.argv[1])
keys = [k for k in r.get_variable_to_shape_map() if k != "_CHECKPOINTABLE_OBJECT_GRAPH" and not k.startswith("save_counter")]
save_file({k: r.get_tensor(k) for k in keys}, sys.argv[2])
PY
J=$(mktemp -d)
hyperfine -N -w 1 -r "$RUNS" --export-json "$J/a.json" \
  -n inspect "$WK inspect $P" \
  -n tf-list-variables "$PY $DATA/tf_list.py $P" >/dev/null
hyperfine -w 1 -r "$RUNS" --export-json "$J/b.json" \
  -n convert "$WK convert $P -o $DATA/tf2.safetensors" \
  -n tf-load-safetensors-save "$PY $DATA/tf_to_safetensors.py $P $DATA/tf2-py.safetensors" >/dev/null
RSS=$(peak_rss_kib "$WK" convert "$P" -o "$DATA/tf2.safetensors")
RSS_PY=$(peak_rss_kib "$PY" "$DATA/tf_to_safetensors.py" "$P" "$DATA/tf2-py.safetensors")
# Same tensors and bytes both ways (names: ours are the variables' full names, TF's the keys).
SAME=$("$PY" - "$DATA/tf2.safetensors" "$DATA/tf2-py.safetensors" <<'PY'
import sys
from safetensors.numpy import load_file
a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
print(f"{len(a)} tensors ours, {len(b)} TensorFlow's; same bytes: {sorted(v.tobytes() for v in a.values()) == sorted(v.tobytes() for v in b.values())}")
PY
)
echo "outputs: $SAME"
PYTHONPATH=Benchmarks python3 - "$J" "$SIZE" "$RSS" "$RSS_PY" <<'PY'
import sys
from hyperfine_medians import medians
d, size, rss, rss_py = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1024, int(sys.argv[4]) * 1024
r = medians(f"{d}/a.json", f"{d}/b.json")
ms = lambda k: r[k] * 1000
print(f"inspect                          {ms('inspect'):8.1f} ms")
print(f"tf.train.list_variables (fresh)  {ms('tf-list-variables'):8.1f} ms   ratio {r['tf-list-variables'] / r['inspect']:.0f}x  goal >= 50x")
print(f"convert -> safetensors           {ms('convert'):8.1f} ms")
print(f"TF load + safetensors save       {ms('tf-load-safetensors-save'):8.1f} ms   ratio {r['tf-load-safetensors-save'] / r['convert']:.1f}x  goal >= 3x")
print(f"peak RSS convert                 {rss / 2**20:8.1f} MiB  {rss / size * 100:.0f} % of the checkpoint  goal < 25 %")
print(f"peak RSS TF + safetensors        {rss_py / 2**20:8.1f} MiB  {rss_py / size * 100:.0f} % of the checkpoint")
PY
rm -rf "$J" "$DATA/tf2.safetensors" "$DATA/tf2-py.safetensors"
