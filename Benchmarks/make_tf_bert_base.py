#!/usr/bin/env python3
"""Writes a bert-base-sized Hugging Face TF checkpoint (TFBertModel, bert-base-uncased config,
random weights: tf_model.h5 ≈ 438 MB + config.json) with the real transformers/TensorFlow, for
benchmarks only (never committed). Needs the environment of Fixtures/requirements-keras.txt.

    make_tf_bert_base.py OUT_DIR"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_USE_LEGACY_KERAS"] = "1"
from transformers import BertConfig, TFBertModel  # noqa: E402

cfg = BertConfig()  # bert-base: 12 layers, hidden 768, 12 heads, intermediate 3072, vocab 30522
model = TFBertModel(cfg)
model(model.dummy_inputs)
model.save_pretrained(sys.argv[1])
