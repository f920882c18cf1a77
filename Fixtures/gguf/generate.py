#!/usr/bin/env python3
"""GGUF files written by gguf-py (pinned in Fixtures/requirements-gguf.txt), and what gguf-py's
own reader finds in them:

    $(bash Scripts/python-env.sh Fixtures/requirements-gguf.txt) Fixtures/gguf/generate.py

Outputs under Fixtures/gguf/:
  tiny_bert.gguf       the tiny PyTorch BERT (Fixtures/references/tiny_bert_pt) with llama.cpp's
                       BERT names and keys, written by gguf.GGUFWriter: F32 norms and biases, F16
                       matrices, the embeddings in BF16 and Q8_0 (gguf.quants), a string array of
                       tokens, and keys of every value type
  tiny_bert.expected.json  gguf.GGUFReader's view: every key (type, value; arrays by length and
                       first items) and tensor (type, ggml dims, offset, SHA-256 of its bytes)
  quants.gguf          one [4, 256] tensor per block type WeightKit decodes: Q8_0, Q4_0, Q4_1,
                       Q5_0, Q5_1 quantised by gguf.quants from seeded normal values; Q4_K, Q5_K,
                       Q6_K (which gguf-py decodes but does not encode) as seeded random blocks
                       with finite f16 scales; and an IQ4_NL one, which WeightKit refuses to decode
  quants.expected.safetensors  gguf.quants.dequantize of each tensor (F32, same names), and
                       the values the quantised ones were made from (`source.NAME`)
"""
import hashlib
import json
import os

import gguf
import numpy as np
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "references", "tiny_bert_pt")


def main():
    t = load_file(os.path.join(SRC, "model.safetensors"))
    cfg = json.load(open(os.path.join(SRC, "config.json")))
    path = os.path.join(HERE, "tiny_bert.gguf")
    w = gguf.GGUFWriter(path, "bert")
    w.add_name("tiny-bert")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_layer_norm_eps(cfg["layer_norm_eps"])
    w.add_causal_attention(False)
    w.add_pooling_type(gguf.PoolingType.MEAN)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    # Every value type once.
    w.add_uint8("weightkit.test.u8", 200)
    w.add_int8("weightkit.test.i8", -100)
    w.add_uint16("weightkit.test.u16", 60000)
    w.add_int16("weightkit.test.i16", -30000)
    w.add_int32("weightkit.test.i32", -7)
    w.add_uint64("weightkit.test.u64", 1 << 40)
    w.add_int64("weightkit.test.i64", -(1 << 40))
    w.add_float64("weightkit.test.f64", 0.1)
    w.add_bool("weightkit.test.bool", True)
    w.add_array("weightkit.test.nested", [[1, 2], [3]])
    vocab = [f"tok{i}" for i in range(cfg["vocab_size"])]
    w.add_tokenizer_model("bert")
    w.add_token_list(vocab)
    names = {"embeddings.word_embeddings.weight": "token_embd.weight",
             "embeddings.position_embeddings.weight": "position_embd.weight",
             "embeddings.token_type_embeddings.weight": "token_types.weight",
             "embeddings.LayerNorm.weight": "token_embd_norm.weight", "embeddings.LayerNorm.bias": "token_embd_norm.bias"}
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for src, dst in [("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
                         ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output"),
                         ("attention.output.LayerNorm", "attn_output_norm"), ("intermediate.dense", "ffn_up"),
                         ("output.dense", "ffn_down"), ("output.LayerNorm", "layer_output_norm")]:
            for suffix in ("weight", "bias"):
                names[f"{p}{src}.{suffix}"] = f"blk.{i}.{dst}.{suffix}"
    for src, dst in names.items():
        a = t[src].astype(np.float32)
        if dst == "token_embd.weight" and a.shape[1] % 32 == 0:
            w.add_tensor(dst, gguf.quants.quantize(a, gguf.GGMLQuantizationType.Q8_0),
                         raw_shape=gguf.quants.quant_shape_to_byte_shape(a.shape, gguf.GGMLQuantizationType.Q8_0),
                         raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        elif dst == "position_embd.weight":
            w.add_tensor(dst, gguf.quants.quantize(a, gguf.GGMLQuantizationType.BF16),
                         raw_dtype=gguf.GGMLQuantizationType.BF16)
        elif a.ndim == 2 and dst.startswith("blk."):
            w.add_tensor(dst, a.astype(np.float16))
        else:
            w.add_tensor(dst, a)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    r = gguf.GGUFReader(path)
    def value(f):
        if f.types and f.types[0] == gguf.GGUFValueType.ARRAY:
            return {"array": f.types[1].name if len(f.types) > 1 else None, "count": len(f.data)}
        v = f.contents()
        return v
    out = {"keys": {f.name: {"type": f.types[0].name, "value": value(f)} for f in r.fields.values()
                    if not f.name.startswith("GGUF.")},
           "tensors": {x.name: {"type": x.tensor_type.name, "dims": [int(d) for d in x.shape],
                                "offset": int(x.data_offset), "bytes": int(x.n_bytes),
                                "sha256": hashlib.sha256(np.ascontiguousarray(x.data).tobytes()).hexdigest()}
                       for x in r.tensors},
           "producer": f"gguf {gguf.__version__ if hasattr(gguf, '__version__') else '0.19.0'}"}
    with open(os.path.join(HERE, "tiny_bert.expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True, default=str)
        f.write("\n")


def quants():
    """Block-quantised tensors and gguf-py's own decoding of them."""
    from safetensors.numpy import save_file
    Q = gguf.GGMLQuantizationType
    rng = np.random.default_rng(17)
    path = os.path.join(HERE, "quants.gguf")
    w = gguf.GGUFWriter(path, "weightkit-test")
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    expected = {}
    for q in (Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1):
        a = (rng.standard_normal((4, 256)) * 0.05).astype(np.float32)
        a[0, :32] = 0  # an all-zero block: scale 0
        raw = gguf.quants.quantize(a, q)
        w.add_tensor(q.name, raw, raw_shape=raw.shape, raw_dtype=q)
        expected["source." + q.name] = a
        expected[q.name] = gguf.quants.dequantize(raw, q).astype(np.float32)
    for q in (Q.Q4_K, Q.Q5_K, Q.Q6_K, Q.IQ4_NL):
        block, size = gguf.GGML_QUANT_SIZES[q]
        raw = rng.integers(0, 256, size=(4, 256 // block * size), dtype=np.uint8)
        blocks = raw.reshape(-1, size)
        # The f16 scales finite (random bits could be inf or NaN): d (and dmin) at the start,
        # Q6_K's d at the end.
        offsets = {Q.Q4_K: (0, 2), Q.Q5_K: (0, 2), Q.Q6_K: (size - 2,), Q.IQ4_NL: (0,)}[q]
        for o in offsets:
            scale = (rng.uniform(0.001, 0.02, size=len(blocks))).astype(np.float16)
            blocks[:, o:o + 2] = scale.view(np.uint8).reshape(-1, 2)
        w.add_tensor(q.name, raw, raw_shape=raw.shape, raw_dtype=q)
        expected[q.name] = gguf.quants.dequantize(raw, q).astype(np.float32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    save_file(expected, os.path.join(HERE, "quants.expected.safetensors"),
              metadata={"producer": "gguf 0.19.0 gguf.quants.dequantize"})


if __name__ == "__main__":
    main()
    quants()
