"""Writes reference bundles as Schemas/reference-bundle.md defines them: one safetensors file
with input.* (I64) and output.* (F32) tensors and string metadata, written by the real
safetensors package."""
import numpy as np
from safetensors.numpy import save_file


def write_bundle(path, inputs, outputs, metadata):
    tensors = {f"input.{k}": np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for k, v in inputs.items()}
    tensors.update({f"output.{k}": np.ascontiguousarray(np.asarray(v, dtype=np.float32)) for k, v in outputs.items()})
    meta = {"weightkit.reference": "1"}
    meta.update({k: str(v) for k, v in metadata.items()})
    save_file(tensors, path, metadata=meta)
