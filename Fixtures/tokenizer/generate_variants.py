#!/usr/bin/env python3
"""Tokenizer files beyond vocab.txt: two small WordPiece tokenizers saved by transformers'
BertTokenizerFast.save_pretrained (tokenizer.json, tokenizer_config.json, vocab.txt,
special_tokens_map.json), and the ids Hugging Face gives 500 corpus lines plus lines with special
tokens in them. The slow BertTokenizer loaded from the same directory must agree on every line.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/tokenizer/generate_variants.py   (Fixtures/requirements-torch.txt)

  cased/       do_lower_case=False (accents kept, as BERT's rule has it)
  uncased_accents/  do_lower_case=True, strip_accents=False, tokenize_chinese_chars=False
  variants.json     {"lines": [...], "<variant>": [ids per line]}

The vocabulary is small on purpose (the specials, every character of the lines with and without
"##", the corpus' words in three casings) so the files stay a few kilobytes."""
import json
import os
import shutil
import tempfile

import transformers
from transformers import BertTokenizer, BertTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL_LINES = ["hello [MASK] world", "[CLS] already here [SEP]", "a[SEP]b", "[mask] is not special in lower case",
                 "[MASK][MASK]", "Zürich [PAD] 東京", "[UNK]?", "x [SEP] y [SEP] z"]


def main():
    corpus = json.load(open(os.path.join(HERE, "corpus.json"), encoding="utf-8"))
    lines = [o["text"] for o in corpus["lines"][:500]] + SPECIAL_LINES
    words = set()
    chars = set()
    for text in lines:
        for w in text.split():
            for form in (w, w.lower(), w.capitalize()):
                words.add(form.strip(".,;:!?()[]{}\"'"))
        chars.update(text)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + sorted(c for c in chars if not c.isspace()) + sorted("##" + c for c in chars if not c.isspace())
    vocab += sorted(w for w in words if w and len(w) < 30 and w not in vocab)
    result = {"tokenizer": f"transformers {transformers.__version__} BertTokenizerFast.save_pretrained / from_pretrained",
              "lines": lines}
    variants = {
        "cased": dict(do_lower_case=False),
        "uncased_accents": dict(do_lower_case=True, strip_accents=False, tokenize_chinese_chars=False),
    }
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = os.path.join(tmp, "vocab.txt")
        with open(vocab_file, "w", encoding="utf-8") as f:
            f.write("\n".join(vocab) + "\n")
        for name, kwargs in variants.items():
            out = os.path.join(HERE, name)
            shutil.rmtree(out, ignore_errors=True)
            BertTokenizerFast(vocab_file, **kwargs).save_pretrained(out)
            fast = BertTokenizerFast.from_pretrained(out)
            slow = BertTokenizer.from_pretrained(out)
            ids = []
            for text in lines:
                f_ids = fast.encode(text, truncation=True, max_length=512)
                s_ids = slow.encode(text, truncation=True, max_length=512)
                assert f_ids == s_ids, (name, text, f_ids, s_ids)
                ids.append(f_ids)
            result[name] = ids
    with open(os.path.join(HERE, "variants.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
