#!/usr/bin/env python3
"""A tiny RoBERTa classifier with a real byte-level BPE tokenizer (issue 17's RoBERTa step):
Fixtures/bert_family/roberta_bpe_cls_pt/ holds transformers' RobertaForSequenceClassification
(random init, seed 1, 2-D parameters x20 as the other bert_family fixtures, vocabulary 800 =
Fixtures/tokenizer/bpe/'s tokenizer, saved beside it by RobertaTokenizerFast), and
roberta_bpe_cls_pt.text.reference.safetensors its outputs (logits, and last_hidden_state of
model.roberta) for TEXT_SENTENCES given as text only (input.text), with the ids transformers gave
in the metadata (tokenized.input_ids, padding=True).

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/generate_roberta_bpe.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from transformers import RobertaConfig, RobertaForSequenceClassification, RobertaTokenizer, RobertaTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bundle import write_bundle  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "bert_family"))
NAME = "roberta_bpe_cls_pt"
BPE = os.path.normpath(os.path.join(HERE, "..", "tokenizer", "bpe"))
TEXT_SENTENCES = ["I love transformers.", "the model's weights", "  Zürich, 2026-11-21: 東京 😀 don't!"]

tok = RobertaTokenizerFast.from_pretrained(BPE)
directory = os.path.join(OUT, NAME)
shutil.rmtree(directory, ignore_errors=True)
torch.manual_seed(1)
config = RobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=37, max_position_embeddings=66, type_vocab_size=1, pad_token_id=1,
                       bos_token_id=0, eos_token_id=2, num_labels=3, hidden_dropout_prob=0.0,
                       attention_probs_dropout_prob=0.0)
model = RobertaForSequenceClassification(config).eval()
with torch.no_grad():
    for p in model.parameters():
        if p.dim() == 2:
            p.mul_(20)
model.save_pretrained(directory, safe_serialization=True)
tok.save_pretrained(directory)

enc = tok(TEXT_SENTENCES, padding=True, return_tensors="pt")
slow = RobertaTokenizer.from_pretrained(directory)(TEXT_SENTENCES, padding=True, return_tensors="pt")
if not torch.equal(enc["input_ids"], slow["input_ids"]):
    raise SystemExit("slow and fast tokenizers disagree")
ids, mask = enc["input_ids"], enc["attention_mask"]
with torch.no_grad():
    out = {"logits": model(input_ids=ids, attention_mask=mask).logits.numpy(),
           "last_hidden_state": model.roberta(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()}
meta = {"model.kind": "roberta",
        "model": f"Fixtures/bert_family/{NAME}/model.safetensors (RobertaForSequenceClassification, random init, "
                 "seed 1, 2-D parameters x20)",
        "tokenizer": f"Fixtures/bert_family/{NAME}/ (RobertaTokenizerFast, the 800-token byte-level BPE of "
                     "Fixtures/tokenizer/bpe), called with padding=True",
        "framework": f"torch {torch.__version__} / transformers {transformers.__version__}",
        "producer": "Fixtures/references/generate_roberta_bpe.py",
        "tokenized.input_ids": json.dumps(ids.tolist()), "tokenized.attention_mask": json.dumps(mask.tolist()),
        "input.text": json.dumps(TEXT_SENTENCES)}
write_bundle(os.path.join(OUT, NAME + ".text.reference.safetensors"), {}, out, meta)
print(f"{NAME}: ids {ids.tolist()}")
