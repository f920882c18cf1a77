#!/usr/bin/env python3
"""Evidence that `weightkit convert SRC -o DIR --layout hf` writes a model transformers loads:
loads DIR with transformers as the class its config.json's "architectures" names (BertModel,
BertForSequenceClassification, RobertaModel, RobertaForSequenceClassification, DistilBertModel,
DistilBertForSequenceClassification), runs the inputs of a reference bundle, and compares with the
bundle's outputs (token outputs where attention_mask is 1). Exit 0 when every compared output is
within --atol.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/check_hf_layout.py DIR BUNDLE [--atol 1e-5]"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import transformers
from safetensors import safe_open


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("bundle")
    ap.add_argument("--atol", type=float, default=1e-5)
    a = ap.parse_args()
    arch = json.load(open(os.path.join(a.dir, "config.json")))["architectures"][0]
    allowed = {f"{b}{s}" for b in ("Bert", "Roberta", "DistilBert") for s in ("Model", "ForSequenceClassification")}
    if arch not in allowed:
        sys.exit(f"{a.dir}: architectures names {arch}, not one of {sorted(allowed)}")
    cls = getattr(transformers, arch)
    is_task = arch.endswith("ForSequenceClassification")
    model, info = cls.from_pretrained(a.dir, output_loading_info=True)
    model.eval()
    problems = {k: v for k, v in info.items() if v and k != "mismatched_keys"} | ({"mismatched_keys": info["mismatched_keys"]} if info.get("mismatched_keys") else {})
    with safe_open(a.bundle, "np") as f:
        t = {k: f.get_tensor(k) for k in f.keys()}
    inputs = {k[6:]: torch.from_numpy(v.astype(np.int64)) for k, v in t.items() if k.startswith("input.")}
    if arch.startswith("DistilBert"):
        inputs.pop("token_type_ids", None)  # DistilBERT has no token types
    with torch.inference_mode():
        out = model(**inputs)
        base = model.base_model(**inputs) if is_task else out
    got = {"last_hidden_state": base.last_hidden_state.numpy()}
    if getattr(base, "pooler_output", None) is not None:
        got["pooler_output"] = base.pooler_output.numpy()
    if is_task:
        got["logits"] = out.logits.numpy()
    mask = t["input.attention_mask"].astype(bool)
    ok = not problems
    print(f"{a.dir}: {cls.__name__} with transformers {transformers.__version__}, torch {torch.__version__}; loading problems: {problems or 'none'}")
    # TF-Hub's names in bundles TensorFlow wrote (Fixtures/tensorflow).
    tf_hub = {"last_hidden_state": "sequence_output", "pooler_output": "pooled_output"}
    for name, v in got.items():
        key = "output." + name
        if key not in t and "output." + tf_hub.get(name, "") in t:
            key = "output." + tf_hub[name]
        if key not in t:
            continue
        ref = t[key]
        diff = np.abs(v - ref)
        err = float(diff[mask].max() if ref.ndim == 3 else diff.max())
        ok &= err <= a.atol
        print(f"  {name}: max abs error {err:.3g}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
