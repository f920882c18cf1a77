"""A trained sequence classifier for the int8 / bf16 arg-max agreement goal (issue 16): the real
all-MiniLM-L6-v2 fine-tuned by PyTorch as transformers' BertForSequenceClassification (every
weight trained, not only the head) on a 3-class task over Fixtures/tokenizer/corpus.json:
  0  the line has a digit
  1  otherwise, it has a non-ASCII letter
  2  otherwise
Trained on the lines after the first EVAL (those are what Benchmarks/precision.sh evaluates), seed
0, 3 epochs, AdamW 5e-5, batch 32, at most 64 tokens; saved with save_pretrained (safetensors,
config.json with id2label, vocab.txt).

  python Benchmarks/train_classifier.py MINILM_DIR OUT_DIR [EVAL]
"""
import json
import sys
import time

import torch
from transformers import AutoTokenizer, BertForSequenceClassification


def label(text):
    if any(c.isdigit() for c in text):
        return 0
    if any(c.isalpha() and ord(c) > 127 for c in text):
        return 1
    return 2


def main():
    source, out = sys.argv[1], sys.argv[2]
    n_eval = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    lines = [l["text"].replace("\n", " ") for l in json.load(open("Fixtures/tokenizer/corpus.json"))["lines"]]
    lines = [l for l in lines if l.strip()]
    train, held = lines[n_eval:], lines[:n_eval]
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(source)
    model = BertForSequenceClassification.from_pretrained(
        source, num_labels=3, id2label={0: "digit", 1: "non-ascii", 2: "plain"},
        label2id={"digit": 0, "non-ascii": 1, "plain": 2})
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
    t0 = time.time()
    model.train()
    for epoch in range(3):
        order = torch.randperm(len(train)).tolist()
        for i in range(0, len(order), 32):
            batch = [train[j] for j in order[i:i + 32]]
            enc = tok(batch, padding=True, truncation=True, max_length=64, return_tensors="pt")
            loss = model(**enc, labels=torch.tensor([label(t) for t in batch])).loss
            loss.backward()
            opt.step()
            opt.zero_grad()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f} ({time.time() - t0:.0f} s)", file=sys.stderr)
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(held), 50):
            batch = held[i:i + 50]
            enc = tok(batch, padding=True, truncation=True, max_length=512, return_tensors="pt")
            pred = model(**enc).logits.argmax(-1).tolist()
            correct += sum(p == label(t) for p, t in zip(pred, batch))
    print(f"trained on {len(train)} lines in {time.time() - t0:.0f} s; held-out accuracy {correct}/{len(held)} "
          f"(PyTorch f32)", file=sys.stderr)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)


main()
