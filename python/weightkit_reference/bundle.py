"""Writes reference bundles as Schemas/reference-bundle.md defines them: one safetensors file
with input.* (I64) and output.* (F32) tensors and string metadata, written by the real
safetensors package, atomically (a temporary file renamed into place)."""
import os

import numpy as np
from safetensors.numpy import save_file


def write_bundle(path, inputs, outputs, metadata):
    tensors = {f"input.{k}": np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for k, v in inputs.items()}
    tensors.update({f"output.{k}": np.ascontiguousarray(np.asarray(v, dtype=np.float32)) for k, v in outputs.items()})
    meta = {"weightkit.reference": "1"}
    meta.update({k: str(v) for k, v in metadata.items()})
    tmp = f"{path}.tmp-{os.getpid()}"
    save_file(tensors, tmp, metadata=meta)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
