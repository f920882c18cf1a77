#!/usr/bin/env python3
"""Times the peers on the same model and shapes as `weightkit bench`: PyTorch eager
(transformers BertModel) and ONNX Runtime as its users deploy it — the model exported with
torch.onnx (opset 17) run as exported ("ort"), after
onnxruntime.transformers.optimizer.optimize_model(model_type="bert") with its Attention,
SkipLayerNorm and BiasGelu fusions ("ort-opt"), and dynamically quantised to int8 with
onnxruntime.quantization.quantize_dynamic (per-channel weights, from the optimised graph:
"ort-int8"). Prints one JSON object per (peer, shape): median/min/max forward ms.

    peers.py MODEL_DIR --threads 2 --runs 20 --shapes 1x16 1x128 8x128 [--work DIR]

--work keeps the exported models between calls (graphs.sh calls this once per round).
Environment: Benchmarks/requirements-peers.txt (see Benchmarks/graphs.sh)."""
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


def onnx_models(model, work):
    """The exported, optimised and quantised ONNX files (made once per work folder)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    exported = os.path.join(work, "model.onnx")
    optimised = os.path.join(work, "model-opt.onnx")
    quantised = os.path.join(work, "model-opt-int8.onnx")
    if not os.path.exists(exported):
        dummy = torch.ones(1, 16, dtype=torch.long)
        torch.onnx.export(model, (dummy, torch.ones_like(dummy)), exported,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}})
    if not os.path.exists(optimised):
        c = model.config
        opt = optimize_model(exported, model_type="bert", num_heads=c.num_attention_heads,
                             hidden_size=c.hidden_size)
        opt.save_model_to_file(optimised)
    if not os.path.exists(quantised):
        # The optimiser's fused ops (Attention, SkipLayerNormalization) are in the com.microsoft
        # domain, where shape inference gives no types: their outputs are float32.
        import onnx
        quantize_dynamic(optimised, quantised, weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return {"ort": exported, "ort-opt": optimised, "ort-int8": quantised}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--shapes", nargs="+", default=["1x16", "1x128", "8x128"])
    ap.add_argument("--work", help="folder keeping the ONNX files between calls")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = BertModel.from_pretrained(args.model).eval()
    vocab = model.config.vocab_size
    rng = np.random.default_rng(42)
    import onnxruntime as ort
    work = args.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    sessions = {}
    for name, path in onnx_models(model, work).items():
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        sessions[name] = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    for shape in args.shapes:
        b, s = (int(x) for x in shape.split("x"))
        ids = rng.integers(0, vocab, size=(b, s)).astype(np.int64)
        mask = np.ones_like(ids)
        ti, tm = torch.from_numpy(ids), torch.from_numpy(mask)
        with torch.inference_mode():
            pt = timed(lambda: model(input_ids=ti, attention_mask=tm), args.runs)
        print(json.dumps({"peer": "pytorch", "shape": shape, "forward_ms": pt, "version": torch.__version__}))
        for name, session in sessions.items():
            feed = {i.name: {"input_ids": ids, "attention_mask": mask}[i.name] for i in session.get_inputs()}
            t = timed(lambda: session.run(None, feed), args.runs)
            print(json.dumps({"peer": name, "shape": shape, "forward_ms": t, "version": ort.__version__}))


if __name__ == "__main__":
    main()
