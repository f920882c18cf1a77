#!/usr/bin/env python3
"""TensorFlow tensor-bundle checkpoints written by the real TensorFlow (pinned in
Fixtures/requirements-keras.txt), and what TensorFlow itself reads back from them:

    $(bash Scripts/python-env.sh Fixtures/requirements-keras.txt) Fixtures/tensorflow/generate.py

Outputs under Fixtures/tensorflow/:
  tf1_names/model.ckpt.{index,data-00000-of-00001} (+ checkpoint state file)
      tf.compat.v1.train.Saver: TF1 name-based keys, as Google's BERT releases use them
      (bert/embeddings/word_embeddings, bert/encoder/layer_0/attention/self/query/kernel, ...),
      with float32, float16, bfloat16, float64, int32, int64, int8, uint8, bool and string
      variables, and global_step.
  tf1_names.expected.json
      every key tf.train.list_variables reports, with TensorFlow's dtype, shape and the SHA-256
      of the little-endian bytes of tf.train.load_variable (strings: the values).
"""
import hashlib
import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def tf1_names():
    out = os.path.join(HERE, "tf1_names")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    rng = np.random.default_rng(0)
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1
        values = {
            "bert/embeddings/word_embeddings": rng.standard_normal((99, 32)).astype(np.float32),
            "bert/embeddings/LayerNorm/gamma": rng.standard_normal(32).astype(np.float32),
            "bert/encoder/layer_0/attention/self/query/kernel": rng.standard_normal((32, 32)).astype(np.float32),
            "bert/encoder/layer_0/attention/self/query/bias": rng.standard_normal(32).astype(np.float32),
            "half/weights": rng.standard_normal((3, 5)).astype(np.float16),
            "double/weights": rng.standard_normal(7).astype(np.float64),
            "ints/int32": np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
            "ints/int8": np.arange(-4, 4, dtype=np.int8),
            "ints/uint8": np.arange(0, 250, 10, dtype=np.uint8),
            "flags/bool": np.array([True, False, True]),
            "scalar/float": np.float32(2.5),
        }
        variables = [v.Variable(x, name=k) for k, x in values.items()]
        variables.append(v.Variable(tf.cast(tf.constant(rng.standard_normal((2, 3))), tf.bfloat16), name="bf16/weights"))
        variables.append(v.Variable(["hello", "wörld"], name="strings/words"))
        variables.append(v.train.get_or_create_global_step())
        saver = v.train.Saver()
        with v.Session(graph=g) as s:
            s.run(v.global_variables_initializer())
            s.run(v.assign(v.train.get_global_step(), 1234))
            saver.save(s, os.path.join(out, "model.ckpt"), write_meta_graph=False)
    prefix = os.path.join(out, "model.ckpt")
    expected = []
    for name, shape in tf.train.list_variables(prefix):
        value = tf.train.load_variable(prefix, name)
        arr = np.asarray(value)
        entry = {"name": name, "shape": list(shape)}
        if arr.dtype.kind in "OSU":
            entry["dtype"] = "string"
            entry["values"] = [x.decode() if isinstance(x, bytes) else str(x) for x in arr.reshape(-1)]
        else:
            dtype = str(arr.dtype) if str(arr.dtype) != "bfloat16" else "bfloat16"
            entry["dtype"] = dtype
            entry["sha256"] = hashlib.sha256(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest()
        expected.append(entry)
    with open(os.path.join(HERE, "tf1_names.expected.json"), "w") as f:
        json.dump({"framework": f"tensorflow {tf.__version__}", "prefix": "tf1_names/model.ckpt", "variables": expected}, f, indent=1)
        f.write("\n")
    # The state file Saver writes holds absolute paths of this machine: keep it as written.
    print("wrote", out, [n for n, _ in tf.train.list_variables(prefix)])


if __name__ == "__main__":
    tf1_names()
