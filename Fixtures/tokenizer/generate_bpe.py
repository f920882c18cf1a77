#!/usr/bin/env python3
"""A byte-level BPE tokenizer as RoBERTa uses it, small enough to commit: Hugging Face
`tokenizers`' ByteLevelBPETokenizer trained on the corpus lines (Fixtures/tokenizer/corpus.json)
after the first 1,000, 800 tokens, RoBERTa's five special tokens, saved through transformers'
RobertaTokenizerFast (vocab.json, merges.txt, tokenizer.json, tokenizer_config.json,
special_tokens_map.json). Then the ids transformers gives every corpus line (with <s> … </s>),
from the slow RobertaTokenizer, checked equal to the fast one's, into bpe/corpus_ids.json.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/tokenizer/generate_bpe.py
"""
import json
import os

import tokenizers
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import RobertaTokenizer, RobertaTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bpe")
lines = [l["text"] for l in json.load(open(os.path.join(HERE, "corpus.json")))["lines"]]
specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
bpe = ByteLevelBPETokenizer()
bpe.train_from_iterator(lines[1000:], vocab_size=800, min_frequency=2, special_tokens=specials)
os.makedirs(OUT, exist_ok=True)
bpe.save_model(OUT)
fast = RobertaTokenizerFast(vocab_file=os.path.join(OUT, "vocab.json"), merges_file=os.path.join(OUT, "merges.txt"))
fast.save_pretrained(OUT)
slow = RobertaTokenizer.from_pretrained(OUT)
fast = RobertaTokenizerFast.from_pretrained(OUT)
ids, disagree = [], 0
for text in lines:
    a = slow(text)["input_ids"]
    b = fast(text)["input_ids"]
    disagree += a != b
    ids.append(a)
with open(os.path.join(OUT, "corpus_ids.json"), "w") as f:
    json.dump({"tokenizers": tokenizers.__version__, "transformers": transformers.__version__,
               "slow_fast_disagree": disagree, "ids": ids}, f, separators=(",", ":"))
print(f"{len(fast)} tokens; {len(lines)} lines, slow and fast disagree on {disagree}")
