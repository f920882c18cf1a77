#!/usr/bin/env python3
"""A bert-base-sized pytorch_model.bin, written by transformers' save_pretrained with
safe_serialization=False (torch.save), from bench-data/bert-base-pt (Benchmarks/make_bert_base.py).
    make_bert_base_bin.py SRC_DIR OUT_DIR"""
import sys

from transformers import BertModel

BertModel.from_pretrained(sys.argv[1]).save_pretrained(sys.argv[2], safe_serialization=False)
