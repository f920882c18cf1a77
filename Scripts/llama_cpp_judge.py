"""The comparisons of Scripts/llama-cpp-check.sh (run in the interop environment: numpy, gguf-py,
safetensors). Arguments: llama-embedding binary, the work directory the shell script filled,
sentence-transformers' embeddings of the corpus (.npy), the weightkit binary.
Exits non-zero when a threshold of issue 17 is missed."""
import json
import os
import re
import subprocess
import sys

import gguf
import numpy as np
from safetensors.numpy import load_file

binary, out, ref_path, wk = sys.argv[1:5]
lines = open(os.path.join(out, "corpus.txt")).read().splitlines()
reference = np.load(ref_path).astype(np.float64)
failed = []


def embed(model, verbose=False, corpus="corpus.txt", cls=101, pooling="mean", threads=2):
    """llama.cpp's mean-pooled, L2-normalised embeddings of the corpus, and (verbose) its token ids.
    pooling="rank": the classification head's output, not normalised (its logits come first)."""
    args = [binary, "-m", model, "--pooling", pooling, "--embd-normalize", "-1" if pooling == "rank" else "2",
            "--embd-output-format", "json",
            "-f", os.path.join(out, corpus), "-t", str(threads), "-c", "512", "-b", "8192", "-ub", "8192",
            "--no-escape"]  # the corpus has literal backslashes ("\\tokenization" is no tab)
    if verbose:
        args.append("--verbose-prompt")
    # llama-embedding 0.3.36 now and then exits 0 right after initialising, with no or a cut output
    # (on the tiny DistilBERT and RoBERTa here, up to half of the runs; its log just stops after
    # "init:"): such a run is repeated, at most twenty times. It is a race among ggml's OpenMP
    # threads: measured here on the tiny RoBERTa, 40-70 % of runs with two threads come out empty,
    # 2 of 30 with one (threads=1, which the tiny models use; the real MiniLM keeps two).
    for attempt in range(20):
        # errors="replace": --verbose-prompt prints byte-level BPE pieces that are partial UTF-8.
        r = subprocess.run(args, capture_output=True, text=True, errors="replace",
                           env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
        if r.returncode != 0:
            sys.exit(f"llama-embedding failed on {model}: {r.stderr[-2000:]}")
        start = r.stdout.find('{\n  "object"')  # after the token listings, which may hold a '{'
        try:
            # Rank pooling fills only the first n_labels values; the rest of the row is whatever
            # the buffer held, which may print as nan or inf (not JSON).
            text = re.sub(r"-?\b(nan|inf)\b", "0", r.stdout[start:]) if pooling == "rank" else r.stdout[start:]
            data = json.loads(text)["data"] if start >= 0 else None
        except json.JSONDecodeError:
            data = None
        if data is not None:
            break
    else:
        sys.exit(f"llama-embedding on {model}: no complete JSON output in twenty runs")
    got = np.array([d["embedding"] for d in data], dtype=np.float64)
    tokens = []
    if verbose:
        # --verbose-prompt lists each prompt's tokens ("   101 -> '[CLS]'"); each prompt starts with [CLS].
        for l in r.stdout[:start].splitlines():
            head = l.split("->")[0].strip()
            if "->" in l and head.isdigit():
                if int(head) == cls:
                    tokens.append([])
                if tokens:
                    tokens[-1].append(int(head))
    return got, tokens


def cosines(got, ref=None):
    ref = reference if ref is None else ref
    if got.shape != ref.shape:
        sys.exit(f"llama.cpp gave {got.shape[0]} embeddings for {ref.shape[0]} lines")
    return (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)


print(f"corpus: {len(lines)} non-blank lines of Fixtures/tokenizer/corpus.json; reference: sentence-transformers")
thresholds = {"f32": 0.99999, "f16": 0.9999, "q8_0": 0.999}
ours = [[int(x) for x in l.split()] for l in open(os.path.join(out, "ours.ids")).read().splitlines()]
hf_ids = {}
for o in json.load(open("Fixtures/tokenizer/corpus.json"))["lines"]:
    hf_ids.setdefault(o["text"].replace("\n", " ").strip(), o["ids"])
agree = None
full = {}
for dtype, floor in thresholds.items():
    got, tokens = embed(os.path.join(out, f"wk-{dtype}.gguf"), verbose=agree is None)
    if agree is None:
        # Token ids first: the numerics are judged on the lines both tokenise alike (elsewhere the
        # inputs differ, and so must the embeddings). sentence-transformers also truncates at
        # max_seq_length 256, which llama.cpp does not.
        if len(tokens) != len(ours):
            sys.exit(f"llama.cpp listed {len(tokens)} token sequences for {len(ours)} lines")
        agree = np.array([a == b and len(b) <= 256 for a, b in zip(tokens, ours)])
        same = sum(a == b for a, b in zip(tokens, ours))
        hf_same = sum(hf_ids.get(l) == b for l, b in zip(lines, ours))
        print(f"token ids: WeightKit's equal transformers' BertTokenizer's for {hf_same} of {len(lines)} lines; "
              f"llama.cpp's equal WeightKit's for {same}")
        reasons = {}
        for i, (a, b) in enumerate(zip(tokens, ours)):
            if a == b:
                continue
            words = lines[i].split()
            if b.count(100) > a.count(100) and any(len(w) > 100 for w in words):
                why = "a word over 100 characters: BertTokenizer's max_input_chars_per_word makes it [UNK]; llama.cpp splits it"
            elif any(0xAC00 <= ord(ch) <= 0xD7A3 for ch in lines[i]):
                why = ("Hangul syllables: BertTokenizer's NFD (accent stripping) decomposes them into jamo "
                       "(한 → ᄒ ᅡ ᆫ); llama.cpp's NFD does not")
            else:
                k = next(k for k in range(min(len(a), len(b))) if a[k] != b[k]) if any(
                    x != y for x, y in zip(a, b)) else min(len(a), len(b))
                why = "other"
                reasons.setdefault("examples", []).append(
                    f"line {i}: {lines[i][:50]!r}: at {k} llama.cpp {a[max(0, k - 1):k + 3]} WeightKit {b[max(0, k - 1):k + 3]}")
            reasons[why] = reasons.get(why, 0) + 1
        for why, n in reasons.items():
            if why != "examples":
                print(f"  {n} lines differ: {why}")
        for e in reasons.get("examples", [])[:8]:
            print("    " + e)
        if any(why == "other" for why in reasons):
            failed.append("token ids")
        print(f"numerics on the {agree.sum()} lines tokenised alike and within 256 tokens:")
    full[dtype] = cosines(got)
    c = full[dtype][agree]
    ok = c.min() >= floor
    print(f"  WeightKit {dtype:5} GGUF in llama.cpp vs sentence-transformers: cosine min {c.min():.7f}, "
          f"median {np.median(c):.7f} (goal >= {floor}) {'ok' if ok else 'MISSED'}")
    if not ok:
        failed.append(dtype)

# 1b. q8_0 with other matrices kept F16 (WeightKit's --keep-f16): "none" is every matrix Q8_0, the
# bytes convert_hf_to_gguf.py --outtype q8_0 writes; ggml's Q8_0 products quantise the activations
# to 8 bits as well, which that file cannot get past 0.999 on this corpus.
agreed = np.flatnonzero(agree)
open(os.path.join(out, "agreed.txt"), "w").write("\n".join(lines[i] for i in agreed) + "\n")
sizes = {}
for mix in os.environ.get("Q8_MIXES", "none").split():
    path = os.path.join(out, f"wk-q8_0-keep-{mix}.gguf")
    got, _ = embed(path, corpus="agreed.txt")
    c = cosines(got, reference[agreed])
    size = os.path.getsize(path) / 1e6
    print(f"  q8_0 --keep-f16 {mix:<44} {size:5.1f} MB: cosine min {c.min():.7f}, median {np.median(c):.7f}, "
          f"{(c < 0.999).sum()} lines under 0.999")
print(f"  (the default q8_0 file, attn_v and ffn_up kept F16: {os.path.getsize(os.path.join(out, 'wk-q8_0.gguf')) / 1e6:.1f} MB)")

# 2. Files llama-quantize wrote: decoded by WeightKit as by gguf-py; drift as verify reports it and
# as llama.cpp computes it (on the first 500 lines tokenised alike, to keep the run short).
subset = np.flatnonzero(agree)[:500]
open(os.path.join(out, "subset.txt"), "w").write("\n".join(lines[i] for i in subset) + "\n")
print(f"llama-quantize'd (from WeightKit's f32 GGUF), read back by WeightKit; llama.cpp on {len(subset)} lines:")
for q in ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K", "Q4_K_M"]:
    path = os.path.join(out, f"lq-{q}.gguf")
    dec = os.path.join(out, f"lq-{q}.safetensors")
    subprocess.run([wk, "convert", path, "-o", dec], check=True, capture_output=True)
    mine = load_file(dec)
    types, differing = {}, []
    for t in gguf.GGUFReader(path).tensors:
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
        theirs = t.data if t.tensor_type.name == "F32" else gguf.quants.dequantize(t.data, t.tensor_type)
        if not np.array_equal(np.asarray(theirs, dtype=np.float32).reshape(mine[t.name].shape), mine[t.name]):
            differing.append(t.name)
    report = os.path.join(out, f"lq-{q}.verify.json")
    subprocess.run([wk, "verify", path, "--reference", "Fixtures/references/minilm.reference.safetensors",
                    "--json", report], capture_output=True)
    v = {o["name"]: o for o in json.load(open(report))["outputs"]}
    got, _ = embed(path, corpus="subset.txt")
    c = cosines(got, reference[subset])
    print(f"  {q:7} {', '.join(f'{k} x{n}' for k, n in sorted(types.items()))}: "
          f"decoded as gguf-py does: {'all tensors' if not differing else 'NOT ' + ', '.join(differing[:3])}; "
          f"WeightKit verify cosine {v['sentence_embedding']['cosine']:.6f}; llama.cpp corpus cosine min {c.min():.6f}")
    if q == "Q8_0":
        lq = {t.name: t for t in gguf.GGUFReader(path).tensors}
        wkp = {t.name: t for t in gguf.GGUFReader(os.path.join(out, "wk-q8_0-keep-none.gguf")).tensors}
        same = [n for n in lq if n in wkp and lq[n].tensor_type == wkp[n].tensor_type and np.array_equal(
            np.asarray(lq[n].data).view(np.uint8), np.asarray(wkp[n].data).view(np.uint8))]
        print(f"          llama-quantize's Q8_0 and WeightKit's --keep-f16 none: {len(same)} of {len(lq)} tensors "
              f"with the same type and bytes" + "".join(f"; differs: {n} {lq[n].tensor_type.name} vs "
              f"{wkp[n].tensor_type.name if n in wkp else 'absent'}" for n in lq if n not in same))
        pure, _ = embed(os.path.join(out, "wk-q8_0-keep-none.gguf"), corpus="subset.txt")
        print(f"          (WeightKit's q8_0 --keep-f16 none on the same lines: llama.cpp cosine min "
              f"{cosines(pure, reference[subset]).min():.6f}, the same bytes as gguf-py's Q8_0 encoder; "
              f"the default q8_0 mix {full['q8_0'][subset].min():.6f})")
    if differing:
        failed.append(q)

# 3. llama.cpp's converter and WeightKit on the same model, f16.
def fields(r):
    out = {}
    for f in r.fields.values():
        if f.name.startswith("GGUF."):
            continue
        v = f.contents()
        out[f.name] = (f.types[0].name, v if not isinstance(v, list) else (len(v), v[:3]))
    return out


a, b = gguf.GGUFReader(os.path.join(out, "hf-f16.gguf")), gguf.GGUFReader(os.path.join(out, "wk-f16.gguf"))
ka, kb = fields(a), fields(b)
print("convert_hf_to_gguf.py (f16) against WeightKit (f16):")
print("  keys only convert_hf_to_gguf.py writes:", ", ".join(sorted(k for k in ka if k not in kb)))
print("  keys only WeightKit writes:", ", ".join(sorted(k for k in kb if k not in ka)))
print("  keys with different values:", "; ".join(f"{k}: {ka[k][1]!r} vs {kb[k][1]!r}" for k in ka if k in kb and ka[k] != kb[k]))
ta, tb = {t.name: t for t in a.tensors}, {t.name: t for t in b.tensors}
print("  tensors only convert_hf_to_gguf.py writes:", ", ".join(n for n in ta if n not in tb) or "none")
print("  tensors only WeightKit writes:", ", ".join(n for n in tb if n not in ta) or "none")
same = [n for n in ta if n in tb and ta[n].tensor_type == tb[n].tensor_type and list(ta[n].shape) == list(tb[n].shape)
        and np.array_equal(np.asarray(ta[n].data).view(np.uint8), np.asarray(tb[n].data).view(np.uint8))]
print(f"  tensors with the same type, dims and bytes: {len(same)} of {len(ta)}")
for n in ta:
    if n in tb and n not in same:
        print(f"    differs: {n} {ta[n].tensor_type.name} {list(ta[n].shape)} vs {tb[n].tensor_type.name} {list(tb[n].shape)}")
if len(same) != len(ta):
    failed.append("convert_hf_to_gguf tensors")
# 4, 5. The tiny text fixtures: DistilBERT (a bert GGUF without token_types, as llama.cpp's converter
# writes it) and RoBERTa with its byte-level BPE (tokenizer.ggml.model gpt2, pre roberta-bpe, the
# position table cut by pad_token_id + 1). Each fixture's texts through llama.cpp: its token ids
# against WeightKit's (`tokenize --model` on the GGUF), its mean-pooled states against
# transformers' last_hidden_state.
from safetensors import safe_open


def text_fixture(label, name, ids_must_match):
    d = os.path.join(out, name + ".gguf")
    subprocess.run([wk, "convert", f"Fixtures/bert_family/{name}", "-o", d], check=True, capture_output=True)
    with safe_open(f"Fixtures/bert_family/{name}.text.reference.safetensors", "np") as f:
        texts = json.loads(f.metadata()["input.text"])
        hidden = f.get_tensor("output.last_hidden_state").astype(np.float64)
    open(os.path.join(out, name + ".txt"), "w").write("\n".join(texts) + "\n")
    ids = [[int(x) for x in l.split()] for l in subprocess.run(
        [wk, "tokenize", os.path.join(out, name + ".txt"), "--model", d], capture_output=True, text=True).stdout.splitlines()]
    ref = np.array([hidden[i, :len(t)].mean(0) for i, t in enumerate(ids)])
    got, tokens = embed(d, verbose=True, corpus=name + ".txt", cls=ids[0][0], threads=1)
    c = cosines(got, ref)
    print(f"{label} (Fixtures/bert_family/{name}) in llama.cpp vs transformers: cosine min {c.min():.7f}; "
          f"token ids equal on {sum(a == b for a, b in zip(tokens, ids))} of {len(ids)}")
    for t, i in zip(tokens, ids):
        if t != i:
            print(f"  llama.cpp {t}\n  weightkit {i}")
    if c.min() < 0.99999 or (ids_must_match and tokens != ids):
        failed.append(label.lower())


text_fixture("DistilBERT", "distilbert_cls_pt", ids_must_match=False)
text_fixture("RoBERTa", "roberta_bpe_cls_pt", ids_must_match=True)


def xlm_roberta():
    """XLM-RoBERTa with a SentencePiece Unigram (tokenizer.ggml.model t5: llama.cpp's UGM, with the
    precompiled charsmap): WeightKit does not tokenise it, so llama.cpp's ids are held against
    transformers' (the bundle's input_ids), its mean-pooled states against transformers'
    last_hidden_state and its rank logits against transformers' logits."""
    name = "xlmr_unigram_cls_pt"
    d = os.path.join(out, name + ".gguf")
    subprocess.run([wk, "convert", f"Fixtures/bert_family/{name}", "-o", d], check=True, capture_output=True)
    with safe_open(f"Fixtures/bert_family/{name}.reference.safetensors", "np") as f:
        texts = json.loads(f.metadata()["input.text"])
        ids, mask = f.get_tensor("input.input_ids"), f.get_tensor("input.attention_mask")
        hidden = f.get_tensor("output.last_hidden_state").astype(np.float64)
        ref_logits = f.get_tensor("output.logits").astype(np.float64)
    open(os.path.join(out, name + ".txt"), "w").write("\n".join(texts) + "\n")
    theirs = [[int(x) for x, m in zip(r, k) if m == 1] for r, k in zip(ids, mask)]
    got, tokens = embed(d, verbose=True, corpus=name + ".txt", cls=0, threads=1)
    c = cosines(got, np.array([hidden[i][mask[i] == 1].mean(0) for i in range(len(texts))]))
    rank = embed(d, corpus=name + ".txt", pooling="rank", threads=1)[0][:, :ref_logits.shape[1]]
    diff = np.abs(rank - ref_logits).max()
    print(f"XLM-RoBERTa (Fixtures/bert_family/{name}, SentencePiece Unigram) in llama.cpp vs transformers: "
          f"token ids equal on {sum(a == b for a, b in zip(tokens, theirs))} of {len(theirs)}; cosine min {c.min():.7f}; "
          f"rank logits max abs {diff:.2e} (largest {np.abs(ref_logits).max():.2f})")
    for t, i in zip(tokens, theirs):
        if t != i:
            print(f"  llama.cpp    {t}\n  transformers {i}")
    # The corpus through llama.cpp's UGM tokenizer (with the GGUF's charsmap) against transformers'.
    corpus_ids = json.load(open(os.path.join(out, "xlmr-corpus.ids.json")))
    _, llama_ids = embed(d, verbose=True, corpus="xlmr-corpus.txt", cls=0, threads=1)
    same = sum(a == b for a, b in zip(llama_ids, corpus_ids))
    print(f"  llama.cpp's tokenizer on the GGUF's vocabulary and charsmap: transformers' ids on {same} of "
          f"{len(corpus_ids)} corpus lines (single-line entries of at most 64 tokens)")
    for k, (a, b) in enumerate(zip(llama_ids, corpus_ids)):
        if a != b and k < 5:
            print(f"    line {k}: llama.cpp {a[:12]} transformers {b[:12]}")
    if tokens != theirs or c.min() < 0.99999 or diff > 1e-2 * np.abs(ref_logits).max() or same != len(corpus_ids):
        failed.append("xlm-roberta")


xlm_roberta()
# 6. Classifiers: llama.cpp's rank pooling runs the head on the first token (cls: dense + tanh, then
# cls.output) and returns the logits. WeightKit writes BERT and RoBERTa classifiers with
# pooling_type rank; their logits in llama.cpp against transformers'. DistilBERT's head is
# pre_classifier + ReLU, which llama.cpp computes with tanh: shown on llama.cpp's own converter's
# file (WeightKit refuses --pooling rank for it).
logits = np.load(os.path.join(out, "cls-logits.npz"))


def ranked(model, label):
    """llama.cpp's logits (the first n_labels values of rank pooling's output) for label's sentences."""
    return embed(model, corpus=f"{label}-cls.txt", pooling="rank", threads=1)[0][:, :logits[label].shape[1]]


for label, src in [("bert", os.path.join(out, "bert_cls")), ("roberta", "Fixtures/bert_family/roberta_bpe_cls_pt")]:
    d = os.path.join(out, f"{label}-cls.gguf")
    w = subprocess.run([wk, "convert", src, "-o", d], check=True, capture_output=True, text=True).stdout
    got, ref = ranked(d, label), logits[label].astype(np.float64)
    diff = np.abs(got - ref).max()
    same = (got.argmax(1) == ref.argmax(1)).all()
    print(f"{label} classifier (WeightKit's GGUF, {'pooling rank' if 'pooling rank' in w else 'NOT rank'}) in llama.cpp vs "
          f"transformers' logits: max abs {diff:.2e} (largest logit {np.abs(ref).max():.2f}), arg-max equal {same}")
    # llama.cpp computes GELU with the tanh approximation from an f16 table (and attention in f16
    # with flash attention): within 1 % of the largest logit, the same arg-max.
    if diff > 1e-2 * np.abs(ref).max() or not same or "pooling rank" not in w:
        failed.append(f"{label} classifier")
got = ranked("Fixtures/gguf/hf-converter.distilbert_cls.f32.gguf", "distilbert")
print(f"DistilBERT classifier (convert_hf_to_gguf.py's GGUF) in llama.cpp, rank pooling: max abs "
      f"{np.abs(got - logits['distilbert']).max():.2e} from transformers' logits, "
      f"{np.abs(got - logits['distilbert_tanh']).max():.2e} from its head computed with tanh for ReLU")
if np.abs(got - logits["distilbert_tanh"]).max() > 1e-2:
    failed.append("distilbert rank head")
if failed:
    sys.exit("MISSED: " + ", ".join(failed))
