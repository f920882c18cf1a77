#!/usr/bin/env python3
"""The peer for `weightkit convert SRC -o x.wkc --model bert`: the same mapping done the way a
Python user would, with h5py / safetensors / numpy — read every tensor, rename it to the Hugging
Face PyTorch spelling, store linear weights [in, out] (transposing PyTorch's [out, in]), and write
one safetensors file.  map_peer.py SRC OUT.safetensors [--fsync]  (SRC: tf_model.h5 or model.safetensors)
--fsync makes the output durable before exiting, as WeightKit's is (a like-for-like comparison;
a Python user would not usually do it)."""
import os
import re
import sys

import numpy as np
from safetensors.numpy import save_file


def canonical_from_tf(name):
    name = name.split("/tf_bert_model/")[-1] if "/tf_bert_model/" in name else name
    name = re.sub(r"^bert/", "", name).replace(":0", "")
    name = re.sub(r"layer_\._(\d+)", r"layer.\1", name).replace("/", ".")
    name = name.replace("word_embeddings.weight", "word_embeddings.weight").replace("_embeddings.embeddings", "_embeddings.weight")
    name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias").replace(".kernel", ".weight")
    return name


def main():
    src, out = sys.argv[1], sys.argv[2]
    durable = "--fsync" in sys.argv[3:]
    tensors = {}
    if src.endswith(".h5"):
        import h5py
        with h5py.File(src, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            for layer in [n.decode() if isinstance(n, bytes) else n for n in root.attrs["layer_names"]]:
                for w in root[layer].attrs["weight_names"]:
                    w = w.decode() if isinstance(w, bytes) else w
                    tensors[canonical_from_tf(w)] = np.ascontiguousarray(root[layer][w][()])  # Dense kernels are already [in, out]
    else:
        from safetensors import safe_open
        with safe_open(src, "np") as f:
            for k in f.keys():
                if k.endswith("position_ids"):
                    continue
                a = f.get_tensor(k)
                name = k[5:] if k.startswith("bert.") else k
                if a.ndim == 2 and "embeddings" not in name:
                    a = np.ascontiguousarray(a.T)  # PyTorch Linear [out, in] -> [in, out]
                tensors[name] = a
    save_file(tensors, out, metadata={"weightkit.layout": "graph-ready"})
    if durable:
        fd = os.open(out, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


if __name__ == "__main__":
    main()
