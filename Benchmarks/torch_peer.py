#!/usr/bin/env python3
"""The Python way to do what WeightKit does with a pytorch_model.bin, for the same-run ratio.
    torch_peer.py inspect BIN           torch.load(weights_only=True, mmap=True), list names/shapes
    torch_peer.py convert BIN OUT       the same, then safetensors.torch.save_file (HF's convert path)"""
import sys

import torch
from safetensors.torch import save_file

mode, path = sys.argv[1], sys.argv[2]
sd = torch.load(path, weights_only=True, mmap=True, map_location="cpu")
if mode == "inspect":
    for k, v in sd.items():
        print(k, v.dtype, tuple(v.shape))
else:
    save_file({k: v.contiguous() for k, v in sd.items()}, sys.argv[3])
