#!/usr/bin/env bash
# The notebook's text classifier from raw text (issue 15), in the same run:
#   vectorising 20,000 lines: `weightkit tokenize --model` end to end (process start, model load)
#     vs the TextVectorization layer called on the same lines in one batch (in-process, after a
#     warm-up call; Keras 3 on TensorFlow)                                         goal ≥ 10×
#   `weightkit run` on 1,000 sentences end to end vs model.predict of the Keras model in a fresh
#     process (import, load_model, predict)                                         goal ≥ 5×
#
#   bash Benchmarks/vectorizer.sh      (RUNS=5 by default)
#
# Needs hyperfine and the environment of Fixtures/requirements-keras.txt (Scripts/python-env.sh).
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-5}
export WEIGHTKIT_BENCH_DATA="$PWD/$DATA"
need_hyperfine
ensure_venv .venv-keras Fixtures/requirements-keras.txt
PY=.venv-keras/bin/python
build_release
M=Fixtures/keras/vectorizer/textclf_vec_k3.keras
"$PY" - "$DATA" <<'PY'
import json, sys
lines = json.load(open("Fixtures/keras/vectorizer/corpus.json", encoding="utf-8"))["lines"]
lines = [l.replace("\n", " ").replace("\r", " ") for l in lines]
open(f"{sys.argv[1]}/lines20k.txt", "w", encoding="utf-8").write("\n".join((lines * 10)[:20000]) + "\n")
open(f"{sys.argv[1]}/lines1k.txt", "w", encoding="utf-8").write("\n".join(lines[:1000]) + "\n")
PY
# The model's TextVectorization rebuilt in Keras from the .keras archive (config + vocabulary).
cat > "$DATA/keras_vectorizer.py" <<'PY'
import json
import keras
def load_vectorizer(z):
    cfg = [l for l in json.loads(z.read("config.json"))["config"]["layers"] if l["class_name"] == "TextVectorization"][0]
    v = keras.layers.TextVectorization.from_config(cfg["config"])
    v.set_vocabulary(z.read("assets/layers/text_vectorization/vocabulary.txt").decode("utf-8").rstrip("\n").split("\n")[2:])
    return v
PY
cat > "$DATA/keras_vectorize.py" <<'PY'
import os, statistics, sys, time, zipfile, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, tensorflow as tf
sys.path.insert(0, os.environ["WEIGHTKIT_BENCH_DATA"])
from keras_vectorizer import load_vectorizer
z = zipfile.ZipFile(sys.argv[1])
v = load_vectorizer(z)
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
x = tf.constant(lines)
v(x)  # warm-up
times = []
for _ in range(5):
    t = time.perf_counter(); v(x).numpy(); times.append(time.perf_counter() - t)
print(statistics.median(times))
PY
cat > "$DATA/keras_predict.py" <<'PY'
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["WEIGHTKIT_KERAS"] = "keras"
import numpy as np
definition = "Fixtures/references/textclf_definition.py"
ns = {"__name__": "textclf"}
exec(compile(open(definition).read(), definition, "exec"), ns)
keras = ns["keras"]
m = keras.saving.load_model(sys.argv[1], custom_objects={"TokenAndPositionEmbedding": ns["TokenAndPositionEmbedding"],
                                                         "TransformerBlock": ns["TransformerBlock"]})
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
import tensorflow as tf
p = m.predict(tf.constant(np.array(lines, dtype=object).reshape(-1, 1)), verbose=0)
print(p.shape)
PY
KERAS_S=$("$PY" "$DATA/keras_vectorize.py" "$M" "$DATA/lines20k.txt" 2>/dev/null | tail -1)
# Ours timed the same way, in process: after a warm-up call, the median of five (tokenize --summary).
OURS_MS=$("$WK" tokenize "$DATA/lines20k.txt" --model "$M" --summary | sed 's/.* in \([0-9.]*\) ms.*/\1/')
J=$(mktemp -d)
hyperfine -N -w 2 -r "$RUNS" --export-json "$J/a.json" \
  -n tokenize "$WK tokenize $DATA/lines20k.txt --model $M --summary" >/dev/null
hyperfine -w 1 -r "$RUNS" --export-json "$J/b.json" \
  -n run "$WK run $M --text-file $DATA/lines1k.txt --json" \
  -n keras-predict "$PY $DATA/keras_predict.py $M $DATA/lines1k.txt" >/dev/null
# Same ids both ways, on all 20,000 lines (Keras' from its own layer).
"$PY" - "$M" "$DATA/lines20k.txt" "$WK" <<'PY'
import json, os, subprocess, sys, zipfile
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, tensorflow as tf
sys.path.insert(0, os.environ["WEIGHTKIT_BENCH_DATA"])
from keras_vectorizer import load_vectorizer
z = zipfile.ZipFile(sys.argv[1])
v = load_vectorizer(z)
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
theirs = v(tf.constant(lines)).numpy().tolist()
ours = [[int(x) for x in l.split()] for l in subprocess.run([sys.argv[3], "tokenize", sys.argv[2], "--model", sys.argv[1]],
                                                            capture_output=True, text=True).stdout.splitlines()]
print(f"ids: {sum(a == b for a, b in zip(ours, theirs))} of {len(theirs)} lines identical")
PY
PYTHONPATH=Benchmarks python3 - "$J" "$KERAS_S" "$OURS_MS" <<'PY'
import sys
from hyperfine_medians import medians
r = medians(f"{sys.argv[1]}/a.json", f"{sys.argv[1]}/b.json")
keras, ours = float(sys.argv[2]), float(sys.argv[3]) / 1000
print(f"vectorise 20,000 lines: KerasTextVectorizer in process  {ours * 1000:8.2f} ms")
print(f"                        TextVectorization in one batch  {keras * 1000:8.2f} ms   ratio {keras / ours:.1f}x  goal >= 10x")
print(f"                        weightkit tokenize end to end   {r['tokenize'] * 1000:8.1f} ms   (process start, .keras opened, file read)")
print(f"run on 1,000 sentences: weightkit run                   {r['run'] * 1000:8.1f} ms")
print(f"                        model.predict, fresh process    {r['keras-predict'] * 1000:8.1f} ms   ratio {r['keras-predict'] / r['run']:.1f}x  goal >= 5x")
PY
rm -rf "$J"
