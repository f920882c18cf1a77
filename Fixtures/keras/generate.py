#!/usr/bin/env python3
"""Writes the Keras / Hugging Face HDF5 fixtures with the real frameworks (versions pinned in
Fixtures/requirements-keras.txt) and records, with h5py, what each file holds.

    $(bash Scripts/python-env.sh Fixtures/requirements-keras.txt) Fixtures/keras/generate.py

Each framework runs in its own process (tf_keras and Keras 3 cannot share one). Outputs, all
under Fixtures/keras/:
  textclf_k2_weights.h5, textclf_k2.h5, textclf_k2.keras     tf_keras 2.21 (Keras 2)
  textclf_k3_legacy.h5, textclf_k3.weights.h5, textclf_k3.keras,
  textclf_k3_sharded.weights.json + shards                   Keras 3.15
  textclf_k3_bf16.weights.h5, textclf_k3_bf16_legacy.h5,
  textclf_k3_f16.weights.h5                                   Keras 3 with bf16 / f16 variables
  split_attrs_k2.h5                                           weight_names split into pieces
  hf_bert/tf_model.h5 + config.json                           TFBertModel (tiny, random)
  hf_bert_cls/tf_model.h5 + config.json                       TFBertForSequenceClassification
  hf_bert_sharded/tf_model-0000x-of-0000y.h5 + index          sharded TFBertModel
  kerashub_bert.weights.h5                                    keras-hub BertBackbone (tiny)
 hf_bert, hf_bert_cls, kerashub_bert .reference.safetensors  BERT outputs for a padded batch
  textclf_k2/k3.reference.safetensors                         outputs of the model (and of its
                                                              embedding, block, pooling, hidden
                                                              layers) for a fixed batch
 zip_traversal/symlink/bomb.keras                           hostile archives (Python zipfile)
  <file>.h5py.json                                            per dataset: path, dtype, shape,
                                                              sha256 of the stored bytes; the
                                                              root attributes; for legacy files
                                                              the layer_names / weight_names order
"""
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- the Keras docs' text-classification transformer, for either Keras ------------------------

# The model itself is defined once, in Fixtures/references/textclf_definition.py (make_bundle.py
# rebuilds it from there); each generator process runs that file's text in its own namespace
# after choosing its Keras (WEIGHTKIT_KERAS), so the custom layers belong to __main__ as before.
MODEL_SOURCE = '''
DEFINITION = os.path.join(sys.argv[1], "..", "references", "textclf_definition.py")
exec(compile(open(DEFINITION).read(), DEFINITION, "exec"))


def write_reference(model, path, framework):
    """Outputs of the real framework for a fixed batch, with the block's intermediates."""
    from safetensors.numpy import save_file
    rng = np.random.default_rng(7)
    ids = rng.integers(0, VOCAB, size=(3, MAXLEN)).astype(np.int64)
    ids[2, 40:] = 0  # padding id 0, as a real tokenizer would; the model does not mask it
    names = {"embedding": model.layers[1].output, "transformer_block": model.layers[2].output,
             "pooled": model.layers[3].output, "hidden": model.layers[5].output, "probabilities": model.output}
    probe = keras.Model(inputs=model.inputs, outputs=list(names.values()))
    values = probe.predict(ids, verbose=0)
    tensors = {"input.token_ids": ids}
    for k, v in zip(names, values):
        tensors["output." + k] = np.asarray(v, dtype=np.float32)
    save_file(tensors, path, metadata={"weightkit.reference": "1", "model.kind": "text-classifier",
              "model": os.path.basename(path).replace(".reference.safetensors", ""), "framework": framework,
              "producer": "Fixtures/keras/generate.py"})


def train_one_step(model):
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, size=(8, MAXLEN))
    y = rng.integers(0, CLASSES, size=(8,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
'''

BERT_INPUTS = '''
import numpy as np
from safetensors.numpy import save_file
INPUT_IDS = np.array([[2, 45, 17, 88, 9, 61, 33, 12, 3], [2, 5, 77, 3, 41, 98, 23, 7, 3], [2, 14, 60, 29, 3, 0, 0, 0, 0]], dtype=np.int64)
MASK = np.array([[1] * 9, [1] * 9, [1] * 5 + [0] * 4], dtype=np.int64)
TYPES = np.array([[0] * 9, [0] * 4 + [1] * 5, [0] * 9], dtype=np.int64)

def write_bert_reference(path, outputs, model, framework):
    tensors = {"input.input_ids": INPUT_IDS, "input.attention_mask": MASK, "input.token_type_ids": TYPES}
    tensors.update({"output." + k: np.asarray(v, dtype=np.float32) for k, v in outputs.items()})
    save_file(tensors, path, metadata={"weightkit.reference": "1", "model.kind": "bert", "model": model,
              "framework": framework, "producer": "Fixtures/keras/generate.py"})
'''

KERAS2 = '''
import os, sys
os.environ["WEIGHTKIT_KERAS"] = "tf_keras"
import numpy as np
import tensorflow as tf
import tf_keras as keras
from tf_keras import layers
tf.random.set_seed(2); np.random.seed(2)
%s
out = sys.argv[1]
model = build()
train_one_step(model)
model.save_weights(os.path.join(out, "textclf_k2_weights.h5"))
model.save(os.path.join(out, "textclf_k2.h5"))
model.save(os.path.join(out, "textclf_k2.keras"))
write_reference(model, os.path.join(out, "textclf_k2.reference.safetensors"), "tf_keras %%s / tensorflow %%s" %% (keras.__version__, tf.__version__))

# A layer with 3000 weights: Keras splits its weight_names attribute into fixed-length pieces.
class Many(layers.Layer):
    def build(self, input_shape):
        self.ws = [self.add_weight(name="w%%04d" %% i, shape=(1,), initializer="ones") for i in range(3000)]
    def call(self, x):
        return x
m = keras.Sequential([layers.Input(shape=(1,)), Many(name="many")])
m.save_weights(os.path.join(out, "split_attrs_k2.h5"))
'''

KERAS3 = BERT_INPUTS.replace("%", "%%") + '''
import os, sys
import numpy as np
import tensorflow as tf
import keras
from keras import layers
keras.utils.set_random_seed(3)
%s
out = sys.argv[1]
model = build()
train_one_step(model)
model.save(os.path.join(out, "textclf_k3_legacy.h5"))
model.save_weights(os.path.join(out, "textclf_k3.weights.h5"))
model.save(os.path.join(out, "textclf_k3.keras"))
model.save_weights(os.path.join(out, "textclf_k3_sharded.weights.json"), max_shard_size=0.00015)
write_reference(model, os.path.join(out, "textclf_k3.reference.safetensors"), "keras %%s / tensorflow %%s" %% (keras.__version__, tf.__version__))
for dtype, name in (("bfloat16", "bf16"), ("float16", "f16")):
    keras.config.set_dtype_policy(dtype)  # variables in bf16 / f16 throughout
    m = build()
    m.save_weights(os.path.join(out, "textclf_k3_%%s.weights.h5" %% name))
    if name == "bf16":
        m.save(os.path.join(out, "textclf_k3_bf16_legacy.h5"))
keras.config.set_dtype_policy("float32")

import keras_hub
bb = keras_hub.models.BertBackbone(vocabulary_size=99, num_layers=2, num_heads=2, hidden_dim=32,
                                   intermediate_dim=37, max_sequence_length=24, num_segments=2)
bb.set_weights([w * 20.0 if w.ndim >= 2 else w for w in bb.get_weights()])  # see generate_torch.py
bb.save_weights(os.path.join(out, "kerashub_bert.weights.h5"))
r = bb.predict({"token_ids": INPUT_IDS, "segment_ids": TYPES, "padding_mask": MASK}, verbose=0)
write_bert_reference(os.path.join(out, "kerashub_bert.reference.safetensors"),
                     {"last_hidden_state": r["sequence_output"], "pooler_output": r["pooled_output"]},
                     "Fixtures/keras/kerashub_bert.weights.h5 (keras_hub.models.BertBackbone)",
                     "keras_hub %%s / keras %%s" %% (keras_hub.__version__, keras.__version__))
'''

HF = BERT_INPUTS + '''
import os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf
import transformers
from transformers import BertConfig, TFBertModel, TFBertForSequenceClassification
tf.random.set_seed(4)
out = sys.argv[1]
FW = "tensorflow %s / transformers %s" % (tf.__version__, transformers.__version__)
cfg = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                 intermediate_size=37, max_position_embeddings=24, type_vocab_size=2, num_labels=3)
m = TFBertModel(cfg)
m(m.dummy_inputs)
# Scale the matrices (std 0.02 at init) so the reference outputs tell GELU variants and mask
# constants apart; see generate_torch.py.
import numpy as np
m.set_weights([w * 20.0 if w.ndim >= 2 else w for w in m.get_weights()])
m.save_pretrained(os.path.join(out, "hf_bert"))
m.save_pretrained(os.path.join(out, "hf_bert_sharded"), max_shard_size="20KB")
c = TFBertForSequenceClassification(cfg)
c(c.dummy_inputs)
c.set_weights([w * 20.0 if w.ndim >= 2 else w for w in c.get_weights()])
c.save_pretrained(os.path.join(out, "hf_bert_cls"))
r = m(input_ids=INPUT_IDS, attention_mask=MASK, token_type_ids=TYPES, output_hidden_states=True)
outs = {"last_hidden_state": r.last_hidden_state.numpy(), "pooler_output": r.pooler_output.numpy()}
outs.update({"hidden_states.%d" % i: h.numpy() for i, h in enumerate(r.hidden_states)})
write_bert_reference(os.path.join(out, "hf_bert.reference.safetensors"), outs, "Fixtures/keras/hf_bert (TFBertModel)", FW)
r = c(input_ids=INPUT_IDS, attention_mask=MASK, token_type_ids=TYPES)
write_bert_reference(os.path.join(out, "hf_bert_cls.reference.safetensors"), {"logits": r.logits.numpy()},
                     "Fixtures/keras/hf_bert_cls (TFBertForSequenceClassification)", FW)
'''


def run(source):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    subprocess.run([sys.executable, "-c", source, HERE], check=True, env=env)


# ---- what h5py sees ---------------------------------------------------------------------------

def attr_value(v):
    import numpy as np
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        return [attr_value(x) for x in v.tolist()] if v.dtype.kind in "SOU" else v.tolist()
    if isinstance(v, (np.generic,)):
        return v.item()
    return v


def describe(path):
    import h5py
    import numpy as np
    datasets = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                raw = np.asarray(data).tobytes()
                datasets.append({
                    "path": name, "dtype": str(obj.dtype), "shape": list(obj.shape),
                    "sha256": hashlib.sha256(raw).hexdigest(),
                    "attrs": {k: attr_value(v) for k, v in obj.attrs.items()},
                })
        f.visititems(visit)
        root_attrs = {k: (attr_value(v) if k not in ("model_config", "training_config") else "<json>")
                      for k, v in f.attrs.items()}
        order = legacy_order(f)
    return {"datasets": datasets, "root_attrs": root_attrs, "legacy_order": order}


def names_attr(group, key):
    """layer_names / weight_names, joined from split pieces, as Keras reads them."""
    import numpy as np
    if key in group.attrs:
        v = group.attrs[key]
    elif key + "0" in group.attrs:
        v = np.concatenate([group.attrs[f"{key}{i}"] for i in range(10_000) if f"{key}{i}" in group.attrs])
    else:
        return None
    return [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in np.asarray(v).tolist()] if np.asarray(v).dtype.kind in "SOU" else []


def legacy_order(f):
    root = f["model_weights"] if "model_weights" in f else f
    layers = names_attr(root, "layer_names")
    if layers is None:
        return None
    order = []
    for layer in layers:
        obj = root[layer] if layer in root else None
        if obj is None:
            continue
        if hasattr(obj, "shape"):  # HF shard: the names are dataset paths
            order.append(layer)
            continue
        for w in names_attr(obj, "weight_names") or []:
            order.append(f"{layer}/{w}")
    return order


def write_broken():
    """HDF5 files that are not valid Keras checkpoints, written with h5py (libhdf5 itself)."""
    import shutil
    import h5py
    import numpy as np
    with h5py.File(os.path.join(HERE, "not_keras.h5"), "w") as f:
        f.create_dataset("data/x", data=np.arange(6, dtype=np.float32).reshape(2, 3))
        f.attrs["note"] = "an HDF5 file with no Keras structure"
    bad = os.path.join(HERE, "dangling_weight.h5")
    shutil.copy(os.path.join(HERE, "textclf_k2_weights.h5"), bad)
    with h5py.File(bad, "r+") as f:
        layer = [n for n in f.attrs["layer_names"] if len(f[n].attrs["weight_names"]) > 0][-1]
        layer = layer.decode() if isinstance(layer, bytes) else layer
        w = [x.decode() if isinstance(x, bytes) else str(x) for x in f[layer].attrs["weight_names"]] + ["no_such/kernel:0"]
        f[layer].attrs["weight_names"] = np.array(w, dtype=h5py.string_dtype())
    with open(os.path.join(HERE, "textclf_k2_weights.h5"), "rb") as src, open(os.path.join(HERE, "truncated.h5"), "wb") as dst:
        data = src.read()
        dst.write(data[: len(data) // 2])
    # A chunked, gzip-compressed, big-endian dataset: must be read through H5Dread, not in place.
    with h5py.File(os.path.join(HERE, "chunked_k3.weights.h5"), "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.arange(12, dtype=">f4").reshape(3, 4), chunks=(1, 4), compression="gzip")
        g.create_dataset("1", data=np.arange(4, dtype="<f4"))
        f.create_group("vars")


def write_hostile_archives():
    """Zip files that a .keras reader must refuse, made with Python's zipfile."""
    import struct
    import zipfile
    src = os.path.join(HERE, "textclf_k3.keras")
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    # keep these small: a tiny weights file stands in for the model's
    parts["model.weights.h5"] = open(os.path.join(HERE, "chunked_k3.weights.h5"), "rb").read()
    with zipfile.ZipFile(os.path.join(HERE, "zip_traversal.keras"), "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
        z.writestr("../escape.txt", b"outside")
    with zipfile.ZipFile(os.path.join(HERE, "zip_symlink.keras"), "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
    # The same model archive with its entries deflated (Keras 3.15 stores them; others may not).
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(os.path.join(HERE, "textclf_k3_deflated.keras"), "w",
                                                       compression=zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            zout.writestr(n, zin.read(n))
    # A deflated entry whose headers claim ~4 GB uncompressed: patched after writing.
    bomb = os.path.join(HERE, "zip_bomb.keras")
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", parts["config.json"])
        z.writestr("metadata.json", parts["metadata.json"])
        z.writestr("model.weights.h5", b"\0" * 10000)
    data = bytearray(open(bomb, "rb").read())
    name = b"model.weights.h5"
    for sig, size_off, name_off in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            if data[i + name_off:i + name_off + len(name)] == name:
                struct.pack_into("<I", data, i + size_off, 0xFFFFFFF0)
            i += 4
    open(bomb, "wb").write(bytes(data))


def main():
    if sys.argv[1:] == ["--hostile-only"]:
        write_hostile_archives()
        return
    import shutil
    for name in os.listdir(HERE):
        # Keep the generators and what generate_model_garden.py writes (its own environment).
        if not name.endswith(".py") and not name.startswith("model_garden_"):
            p = os.path.join(HERE, name)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    run(KERAS2 % MODEL_SOURCE)
    run(KERAS3 % MODEL_SOURCE)
    run(HF)
    write_broken()
    write_hostile_archives()
    for root, _, files in os.walk(HERE):
        for name in files:
            if name.endswith(".h5") and name not in ("truncated.h5", "dangling_weight.h5", "not_keras.h5") \
                    and not name.startswith("model_garden_"):
                p = os.path.join(root, name)
                with open(p[:-3] + ".h5py.json", "w") as out:
                    json.dump(describe(p), out, indent=1, sort_keys=True)
                    out.write("\n")


if __name__ == "__main__":
    main()
