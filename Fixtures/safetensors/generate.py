#!/usr/bin/env python3
"""Writes the safetensors fixtures with the real `safetensors` package (versions pinned in
Fixtures/requirements-safetensors.txt) and records what the reference reader sees.

    $(bash Scripts/python-env.sh Fixtures/requirements-safetensors.txt) Fixtures/safetensors/generate.py

Outputs (all under Fixtures/safetensors/):
  mixed.safetensors             every common dtype, F8, a rank-0 and an empty tensor, metadata
  mixed.expected.json           per tensor: dtype, shape, sha256 of the bytes, values as float64
  sharded/                      a 3-shard checkpoint: model-0000x-of-00002.safetensors, the index,
                                config.json; split by huggingface_hub's own sharding logic
  sharded.expected.json
  malformed/*.safetensors       one file per broken rule, made by editing a valid file's bytes
  malformed/manifest.json       for each: the rule WeightKit must report, the tensor it names,
                                and the error the reference reader (safe_open) gives
"""
import hashlib
import json
import os
import struct
import sys

import ml_dtypes
import numpy as np
import safetensors
from safetensors import safe_open
from safetensors import TensorSpec, serialize, serialize_file
from huggingface_hub import split_state_dict_into_shards_factory

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261121)


_keep_alive = []


def spec(arr, dtype=None):
    """A TensorSpec for the real serializer, as safetensors.numpy builds it (dtype by numpy name;
    ml_dtypes supplies bfloat16 and the FP8 types)."""
    arr = np.array(arr, order="C", copy=True)  # (ascontiguousarray would turn rank 0 into rank 1)
    _keep_alive.append(arr)
    return TensorSpec(dtype=arr.dtype.name, shape=arr.shape, data_ptr=arr.ctypes.data, data_len=arr.nbytes)


def mixed_tensors():
    f32 = rng.standard_normal((4, 3)).astype(np.float32)
    f32[0, 0] = 0.0
    bf16 = rng.standard_normal((2, 3)).astype(ml_dtypes.bfloat16)
    e4m3 = np.array([0.5, -1.25, 3.0, 448.0], dtype=ml_dtypes.float8_e4m3fn)
    e5m2 = np.array([0.5, -1.25, 3.0, 57344.0], dtype=ml_dtypes.float8_e5m2)
    return {
        "embeddings.word_embeddings.weight": (f32, "F32"),
        "encoder.layer.0.attention.self.query.weight": (rng.standard_normal((3, 3)).astype(np.float32), "F32"),
        "encoder.layer.1.attention.self.query.weight": (rng.standard_normal((3, 3)).astype(np.float32), "F32"),
        "half.weight": (np.array([1.0, -2.5, 65504.0, 6.1e-5, 0.0], dtype=np.float16), "F16"),
        "brain.weight": (bf16, "BF16"),
        "double.weight": (np.array([np.pi, -1e-300], dtype=np.float64), "F64"),
        "position_ids": (np.arange(3, dtype=np.int64).reshape(1, 3), "I64"),
        "mask.bool": (np.array([True, False, True, True]), "BOOL"),
        "ints.i8": (np.array([-128, 0, 127], dtype=np.int8), "I8"),
        "ints.u8": (np.array([0, 255], dtype=np.uint8), "U8"),
        "ints.i16": (np.array([-32768, 5], dtype=np.int16), "I16"),
        "ints.u16": (np.array([65535, 1], dtype=np.uint16), "U16"),
        "ints.i32": (np.array([-2147483648, 7], dtype=np.int32), "I32"),
        "ints.u32": (np.array([4294967295, 9], dtype=np.uint32), "U32"),
        "ints.u64": (np.array([2**64 - 1, 3], dtype=np.uint64), "U64"),
        "fp8.e4m3": (e4m3, "F8_E4M3"),
        "fp8.e5m2": (e5m2, "F8_E5M2"),
        "scalar.temperature": (np.array(0.07, dtype=np.float32), "F32"),
        "empty.weight": (np.zeros((0, 3), dtype=np.float32), "F32"),
    }


def expected_entry(arr, dtype):
    vals = np.asarray(arr).astype(np.float64).reshape(-1)
    return {
        "dtype": dtype,
        "shape": list(np.asarray(arr).shape),
        "sha256": hashlib.sha256(np.array(arr, order="C").tobytes()).hexdigest(),
        "values": [float(v) if np.isfinite(v) else str(v) for v in vals] if dtype != "U64" else [int(v) for v in np.asarray(arr).reshape(-1)],
    }


def write_mixed():
    tensors = mixed_tensors()
    path = os.path.join(HERE, "mixed.safetensors")
    metadata = {"format": "pt", "producer": "weightkit Fixtures/safetensors/generate.py"}
    serialize_file({k: spec(a) for k, (a, d) in tensors.items()}, path, metadata=metadata)
    # What the reference reader sees, not what we meant to write.
    seen = {}
    with safe_open(path, "np") as f:
        for k in f.keys():
            dtype = f.get_slice(k).get_dtype()
            arr, d = tensors[k]
            seen[k] = expected_entry(arr, dtype)
        meta = f.metadata()
    with open(os.path.join(HERE, "mixed.expected.json"), "w") as out:
        json.dump({"producer": f"safetensors {safetensors.__version__}", "metadata": meta, "tensors": seen}, out, indent=1, sort_keys=True)
        out.write("\n")


def write_sharded():
    d = os.path.join(HERE, "sharded")
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        os.remove(os.path.join(d, name))
    state = {f"encoder.layer.{i}.dense.weight": rng.standard_normal((16, 16)).astype(np.float32) for i in range(4)}
    state["embeddings.weight"] = rng.standard_normal((32, 16)).astype(np.float32)
    split = split_state_dict_into_shards_factory(
        state, get_storage_size=lambda t: t.nbytes, filename_pattern="model{suffix}.safetensors", max_shard_size=2500)
    for filename, names in split.filename_to_tensors.items():
        serialize_file({n: spec(state[n]) for n in names}, os.path.join(d, filename), metadata={"format": "np"})
    index = {"metadata": {**split.metadata}, "weight_map": split.tensor_to_filename}
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": "toy", "hidden_size": 16, "num_hidden_layers": 4}, f, indent=2)
        f.write("\n")
    expected = {n: expected_entry(a, "F32") for n, a in state.items()}
    with open(os.path.join(HERE, "sharded.expected.json"), "w") as out:
        json.dump({"shards": sorted(split.filename_to_tensors), "tensors": expected}, out, indent=1, sort_keys=True)
        out.write("\n")


# ---- malformed corpus -------------------------------------------------------------------------

def raw(header, data=b"", pad=True):
    """A file from a header given as text (so it can break JSON rules) and data bytes."""
    h = header.encode("utf-8") if isinstance(header, str) else header
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def entry(dtype, shape, start, end):
    return '{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}' % (dtype, json.dumps(shape), start, end)


def malformed_cases():
    ok = entry("F32", [2], 0, 8)
    valid = serialize({"a": spec(np.zeros(2, dtype=np.float32))}, metadata=None)
    n = struct.unpack("<Q", valid[:8])[0]
    cases = {
        # name: (bytes, rule, tensor)
        "header_too_short": (b"\x05\x00\x00", "fileTooSmall", None),
        "header_too_large": (struct.pack("<Q", 100_000_001) + b"{}", "headerTooLarge", None),
        "header_past_eof": (struct.pack("<Q", 4096) + valid[8:], "headerPastEndOfFile", None),
        "header_not_utf8": (raw(b'{"a\xff":' + ok.encode() + b"}", b"\0" * 8), "headerNotUTF8", None),
        "header_not_json": (raw('{"a":' + ok, b"\0" * 8), "headerNotJSON", None),
        "header_not_object": (raw("[1,2,3]"), "headerNotObject", None),
        "unknown_dtype": (raw('{"a":' + entry("F128", [2], 0, 8) + "}", b"\0" * 8), "unknownDType", "a"),
        "metadata_not_string": (raw('{"__metadata__":{"format":1},"a":' + ok + "}", b"\0" * 8), "metadataValueNotString", None),
        "duplicate_tensor": (raw('{"a":' + ok + ',"a":' + entry("F32", [2], 8, 16) + "}", b"\0" * 16), "duplicateTensorName", "a"),
        "negative_shape": (raw('{"a":' + entry("F32", [-2], 0, 8) + "}", b"\0" * 8), "invalidShape", "a"),
        "float_shape": (raw('{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', b"\0" * 8), "invalidShape", "a"),
        "negative_offset": (raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', b"\0" * 8), "invalidOffsets", "a"),
        "float_offset": (raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}', b"\0" * 8), "invalidOffsets", "a"),
        "size_overflow": (raw('{"a":' + entry("F32", [2**62, 2**62], 0, 8) + "}", b"\0" * 8), "sizeOverflow", "a"),
        "byte_count_mismatch": (raw('{"a":' + entry("F32", [3], 0, 8) + "}", b"\0" * 8), "byteCountMismatch", "a"),
        "inverted_offsets": (raw('{"a":' + entry("F32", [0], 8, 0) + "}", b"\0" * 8), "invertedOffsets", "a"),
        "gap": (raw('{"a":' + entry("F32", [2], 0, 8) + ',"b":' + entry("F32", [1], 12, 16) + "}", b"\0" * 16), "gapBeforeTensor", "b"),
        "overlap": (raw('{"a":' + entry("F32", [2], 0, 8) + ',"b":' + entry("F32", [2], 4, 12) + "}", b"\0" * 12), "overlappingTensors", "b"),
        "data_past_eof": (raw('{"a":' + entry("F32", [4], 0, 16) + "}", b"\0" * 8), "dataPastEndOfFile", "a"),
        "data_short_of_eof": (raw('{"a":' + ok + "}", b"\0" * 12), "trailingBytes", None),
        "missing_dtype": (raw('{"a":{"shape":[2],"data_offsets":[0,8]}}', b"\0" * 8), "missingField", "a"),
        "f4_not_byte_aligned": (raw('{"a":' + entry("F4", [3], 0, 2) + "}", b"\0" * 2), "notByteAligned", "a"),
    }
    # Valid edge cases the reader must accept.
    accepted = {
        "leading_whitespace": raw('   {"a":' + ok + "}", b"\0" * 8),
        "empty_header": raw("{}"),
    }
    return cases, accepted, n


def write_malformed():
    d = os.path.join(HERE, "malformed")
    os.makedirs(d, exist_ok=True)
    cases, accepted, _ = malformed_cases()
    manifest = {"rejected": {}, "accepted": {}}
    for name, (data, rule, tensor) in sorted(cases.items()):
        path = os.path.join(d, name + ".safetensors")
        with open(path, "wb") as f:
            f.write(data)
        manifest["rejected"][name] = {"rule": rule, "tensor": tensor, "reference_error": reference_error(path)}
    for name, data in sorted(accepted.items()):
        path = os.path.join(d, name + ".safetensors")
        with open(path, "wb") as f:
            f.write(data)
        err = reference_error(path)
        assert err is None, (name, err)
        manifest["accepted"][name] = {"reference_error": None}
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


def reference_error(path):
    try:
        with safe_open(path, "np") as f:
            list(f.keys())
        return None
    except Exception as e:  # the reference reader's own words
        return f"{type(e).__name__}: {e}"


if __name__ == "__main__":
    assert safetensors.__version__ == "0.8.0", safetensors.__version__
    write_mixed()
    write_sharded()
    write_malformed()
    print("fixtures written under", HERE, file=sys.stderr)
