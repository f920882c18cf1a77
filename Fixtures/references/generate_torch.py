#!/usr/bin/env python3
"""Reference bundles from PyTorch + transformers (versions pinned in
Fixtures/requirements-torch.txt): tiny random BERTs saved with save_pretrained (safetensors,
Hugging Face PyTorch names), and the outputs the real framework computes for a padded batch.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/generate_torch.py

Outputs under Fixtures/references/:
  tiny_bert_pt/                model.safetensors + config.json (BertModel, no "bert." prefix)
  tiny_bert_pt.reference.safetensors
      inputs: input_ids, attention_mask (row 2 padded), token_type_ids (a sentence pair in row 1)
      outputs: last_hidden_state, pooler_output, hidden_states.0..2, sentence_embedding
               (masked mean of last_hidden_state, L2-normalised, as sentence-transformers)
  tiny_bert_cls_pt/            BertForSequenceClassification, 3 labels ("bert." prefix, classifier)
  tiny_bert_cls_pt.reference.safetensors   adds logits
"""
import os
import sys

import numpy as np
import torch
import transformers
from transformers import BertConfig, BertModel, BertForSequenceClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle import write_bundle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORK = f"torch {torch.__version__} / transformers {transformers.__version__}"

CONFIG = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
              intermediate_size=37, max_position_embeddings=24, type_vocab_size=2, hidden_act="gelu",
              layer_norm_eps=1e-12, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)

INPUT_IDS = np.array([
    [2, 45, 17, 88, 9, 61, 33, 12, 3],
    [2, 5, 77, 3, 41, 98, 23, 7, 3],
    [2, 14, 60, 29, 3, 0, 0, 0, 0],
], dtype=np.int64)
MASK = np.array([[1] * 9, [1] * 9, [1] * 5 + [0] * 4], dtype=np.int64)
TYPES = np.array([[0] * 9, [0] * 4 + [1] * 5, [0] * 9], dtype=np.int64)


def sentence_embedding(last, mask):
    m = mask.unsqueeze(-1).to(last.dtype)
    mean = (last * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, p=2, dim=1)


def run(model, name, with_logits):
    model.eval()
    # BERT's initializer (std 0.02) keeps every activation near zero, where exact and tanh GELU,
    # or different mask constants, agree to 1e-6: scale the matrices so the references tell
    # numerical conventions apart.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.mul_(20.0)
    out_dir = os.path.join(HERE, name)
    model.save_pretrained(out_dir, safe_serialization=True)
    ids, mask, types = (torch.from_numpy(a) for a in (INPUT_IDS, MASK, TYPES))
    with torch.no_grad():
        if with_logits:
            r = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
            base = model.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)
            outputs = {"logits": r.logits.numpy(), "last_hidden_state": base.last_hidden_state.numpy(),
                       "pooler_output": base.pooler_output.numpy()}
        else:
            r = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
            outputs = {"last_hidden_state": r.last_hidden_state.numpy(), "pooler_output": r.pooler_output.numpy(),
                       "sentence_embedding": sentence_embedding(r.last_hidden_state, mask).numpy()}
            for i, h in enumerate(r.hidden_states):
                outputs[f"hidden_states.{i}"] = h.numpy()
    write_bundle(os.path.join(HERE, name + ".reference.safetensors"),
                 {"input_ids": INPUT_IDS, "attention_mask": MASK, "token_type_ids": TYPES}, outputs,
                 {"model.kind": "bert", "model": f"Fixtures/references/{name} (random init, seed 0)",
                  "framework": FRAMEWORK, "producer": "Fixtures/references/generate_torch.py",
                  "attn_implementation": model.config._attn_implementation})


def main():
    torch.manual_seed(0)
    run(BertModel(BertConfig(**CONFIG)), "tiny_bert_pt", with_logits=False)
    torch.manual_seed(1)
    run(BertForSequenceClassification(BertConfig(num_labels=3, **CONFIG)), "tiny_bert_cls_pt", with_logits=True)


if __name__ == "__main__":
    main()
