"""read_gguf.py FILE.gguf SOURCE.safetensors — gguf-py's reader (the gguf package of llama.cpp) on a
GGUF WeightKit wrote: prints one JSON object with every key's type and value (arrays: element type,
length, first items), every tensor's type and ggml dims, and for each tensor the max abs difference
from the Hugging Face PyTorch tensor it came from (names mapped back as llama.cpp maps them;
block-quantised tensors decoded by gguf.quants.dequantize)."""
import json
import sys

import gguf
import numpy as np
from safetensors.numpy import load_file

BLOCK = {"attn_q": "attention.self.query", "attn_k": "attention.self.key", "attn_v": "attention.self.value",
         "attn_output": "attention.output.dense", "attn_output_norm": "attention.output.LayerNorm",
         "ffn_up": "intermediate.dense", "ffn_down": "output.dense", "layer_output_norm": "output.LayerNorm"}
FIXED = {"token_embd": "embeddings.word_embeddings", "position_embd": "embeddings.position_embeddings",
         "token_types": "embeddings.token_type_embeddings", "token_embd_norm": "embeddings.LayerNorm", "cls": "pooler.dense", "cls.output": "classifier"}


def hf(name):
    stem, suffix = name.rsplit(".", 1)
    if stem in FIXED:
        return f"{FIXED[stem]}.{suffix}"
    if stem.startswith("blk."):
        _, n, what = stem.split(".", 2)
        return f"encoder.layer.{n}.{BLOCK[what]}.{suffix}"
    return None


def main(path, source):
    r = gguf.GGUFReader(path)
    src = load_file(source)
    keys = {}
    for f in r.fields.values():
        if f.name.startswith("GGUF."):
            continue
        if f.types[0] == gguf.GGUFValueType.ARRAY:
            v = f.contents()
            keys[f.name] = {"type": "ARRAY", "element": f.types[1].name, "count": len(v), "first": v[:4]}
        else:
            keys[f.name] = {"type": f.types[0].name, "value": f.contents()}
    tensors = {}
    for t in r.tensors:
        e = {"type": t.tensor_type.name, "dims": [int(d) for d in t.shape]}
        name = hf(t.name)
        if name and name in src:
            data = t.data
            if t.tensor_type not in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16):
                data = gguf.quants.dequantize(data, t.tensor_type)
            got = np.asarray(data, dtype=np.float32).reshape(src[name].shape)
            e["max_abs"] = float(np.abs(got - src[name].astype(np.float32)).max())
        tensors[t.name] = e
    print(json.dumps({"keys": keys, "tensors": tensors}, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
