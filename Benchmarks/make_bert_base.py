#!/usr/bin/env python3
"""Writes a bert-base-sized checkpoint (BertModel names and shapes, 109.5M F32 parameters,
~438 MB) with random values, using the real safetensors package. For benchmarks only; never
committed.  Usage: make_bert_base.py OUT.safetensors"""
import sys

import numpy as np
from safetensors.numpy import save_file

H, L, I, V, P, T = 768, 12, 3072, 30522, 512, 2
rng = np.random.default_rng(0)


def w(*shape):
    return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)


t = {
    "embeddings.word_embeddings.weight": w(V, H),
    "embeddings.position_embeddings.weight": w(P, H),
    "embeddings.token_type_embeddings.weight": w(T, H),
    "embeddings.LayerNorm.weight": np.ones(H, np.float32),
    "embeddings.LayerNorm.bias": np.zeros(H, np.float32),
    "embeddings.position_ids": np.arange(P, dtype=np.int64).reshape(1, P),
    "pooler.dense.weight": w(H, H),
    "pooler.dense.bias": np.zeros(H, np.float32),
}
for i in range(L):
    p = f"encoder.layer.{i}."
    for n in ("query", "key", "value"):
        t[p + f"attention.self.{n}.weight"] = w(H, H)
        t[p + f"attention.self.{n}.bias"] = w(H)
    t[p + "attention.output.dense.weight"] = w(H, H)
    t[p + "attention.output.dense.bias"] = w(H)
    t[p + "attention.output.LayerNorm.weight"] = np.ones(H, np.float32)
    t[p + "attention.output.LayerNorm.bias"] = np.zeros(H, np.float32)
    t[p + "intermediate.dense.weight"] = w(I, H)
    t[p + "intermediate.dense.bias"] = w(I)
    t[p + "output.dense.weight"] = w(H, I)
    t[p + "output.dense.bias"] = w(H)
    t[p + "output.LayerNorm.weight"] = np.ones(H, np.float32)
    t[p + "output.LayerNorm.bias"] = np.zeros(H, np.float32)
save_file(t, sys.argv[1], metadata={"format": "pt"})
# config.json beside it, as save_pretrained writes (bert-base-uncased's), so `weightkit bench`
# and transformers can load the directory.
import json, os
with open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "config.json"), "w") as f:
    json.dump({"architectures": ["BertModel"], "model_type": "bert", "vocab_size": V, "hidden_size": H,
               "num_hidden_layers": L, "num_attention_heads": 12, "intermediate_size": I,
               "max_position_embeddings": P, "type_vocab_size": T, "hidden_act": "gelu",
               "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
               "initializer_range": 0.02, "pad_token_id": 0}, f, indent=2)
