#!/usr/bin/env python3
"""Times the peers on the same model and shapes as `weightkit bench`: PyTorch eager
(transformers BertModel) and ONNX Runtime (the same model exported with torch.onnx, opset 17).
Prints one JSON object per (peer, shape): median/min/max forward ms.

    peers.py MODEL_DIR --threads 2 --runs 20 --shapes 1x16 1x128 8x128

Environment: Fixtures/requirements-torch.txt plus onnxruntime and onnx (see Benchmarks/graphs.sh)."""
import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import torch
from transformers import BertModel


def timed(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--shapes", nargs="+", default=["1x16", "1x128", "8x128"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = BertModel.from_pretrained(args.model).eval()
    vocab = model.config.vocab_size
    rng = np.random.default_rng(42)
    import onnxruntime as ort
    onnx_path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    dummy = torch.ones(1, 16, dtype=torch.long)
    torch.onnx.export(model, (dummy, torch.ones_like(dummy)), onnx_path, input_names=["input_ids", "attention_mask"],
                      output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}})
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    for shape in args.shapes:
        b, s = (int(x) for x in shape.split("x"))
        ids = rng.integers(0, vocab, size=(b, s)).astype(np.int64)
        mask = np.ones_like(ids)
        ti, tm = torch.from_numpy(ids), torch.from_numpy(mask)
        with torch.inference_mode():
            pt = timed(lambda: model(input_ids=ti, attention_mask=tm), args.runs)
        ox = timed(lambda: session.run(None, {"input_ids": ids, "attention_mask": mask}), args.runs)
        print(json.dumps({"peer": "pytorch", "shape": shape, "forward_ms": pt, "version": torch.__version__}))
        print(json.dumps({"peer": "onnxruntime", "shape": shape, "forward_ms": ox, "version": ort.__version__}))


if __name__ == "__main__":
    main()
