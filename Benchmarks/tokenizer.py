#!/usr/bin/env python3
"""Tokens per second of Hugging Face's BertTokenizer (Python) and BertTokenizerFast (Rust) on a
text file, measured in-process (startup excluded).  tokenizer.py VOCAB FILE"""
import sys
import time

from transformers import BertTokenizer, BertTokenizerFast

vocab, path = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
for name, tok in (("BertTokenizer (Python)", BertTokenizer(vocab, do_lower_case=True)),
                  ("BertTokenizerFast (Rust)", BertTokenizerFast(vocab, do_lower_case=True))):
    t = time.perf_counter()
    n = sum(len(tok.encode(l, truncation=True, max_length=512)) for l in lines)
    dt = time.perf_counter() - t
    print(f"{name}: {len(lines)} lines, {n} tokens in {dt * 1000:.0f} ms: {n / dt:,.0f} tokens/s")
# The fast tokenizer's batch call: one Python call, the Rust side encodes all lines (in parallel).
fast = BertTokenizerFast(vocab, do_lower_case=True)
t = time.perf_counter()
n = sum(len(ids) for ids in fast(lines, truncation=True, max_length=512)["input_ids"])
dt = time.perf_counter() - t
print(f"BertTokenizerFast batch (Rust, all cores): {len(lines)} lines, {n} tokens in {dt * 1000:.0f} ms: {n / dt:,.0f} tokens/s")
