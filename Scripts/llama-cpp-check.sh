#!/usr/bin/env bash
# Judged by llama.cpp itself (issue 17). Builds llama.cpp's llama-embedding and llama-quantize
# from the pinned llama-cpp-python source distribution on PyPI (its vendor/llama.cpp; cmake and
# g++ from Debian), then, on the real all-MiniLM-L6-v2:
#   1. converts it to GGUF with WeightKit at f32, f16 and q8_0 (and q8_0 with every matrix Q8_0), computes the embeddings of the
#      committed 2,200-line corpus (Fixtures/tokenizer/corpus.json) with llama.cpp and compares
#      them with sentence-transformers' (run here, in the pinned PyTorch environment), and
#      llama.cpp's token ids with WeightKit's (`weightkit tokenize --model x.gguf`);
#   2. quantises WeightKit's f32 GGUF with llama-quantize (Q4_0 … Q6_K, Q4_K_M) and reads each file
#      llama.cpp wrote back with WeightKit: every tensor decoded equal to gguf-py's decoding, and
#      `weightkit verify` against the reference bundle (the drift each type costs);
#   3. converts it with llama.cpp's own convert_hf_to_gguf.py (f16) and lists every key and tensor
#      in which its file and WeightKit's differ;
#   4. the tiny DistilBERT, RoBERTa (byte-level BPE) and XLM-RoBERTa (SentencePiece Unigram: its ids
#      over the corpus against transformers') in llama.cpp against transformers;
#   5. classifiers under llama.cpp's rank pooling: their logits against transformers'.
#
#   bash Scripts/llama-cpp-check.sh        (first run: ~10 min to build on 2 cores; then cached)
#
# The build lives outside the clone, under ${WEIGHTKIT_CACHE:-~/.cache/weightkit}/llama-<version>.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.3.36
ROOT="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}/llama-$VERSION"
BIN="$ROOT/llama_cpp_python-$VERSION/vendor/llama.cpp/build/bin/llama-embedding"
if [ ! -x "$BIN" ] || [ ! -x "$(dirname "$BIN")/llama-quantize" ]; then
  command -v cmake >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq cmake >/dev/null; }
  mkdir -p "$ROOT"
  PY=$(bash Scripts/python-env.sh Fixtures/requirements-safetensors.txt)
  # The source distribution, from PyPI's simple index (PEP 503), its SHA-256 checked.
  LINK=$(curl -s -L "https://pypi.org/simple/llama-cpp-python/" |
    grep -o "https://[^\"]*/llama_cpp_python-$VERSION.tar.gz#sha256=[0-9a-f]*" | head -1)
  [ -n "$LINK" ] || { echo "llama-cpp-python $VERSION: no source distribution on PyPI's simple index" >&2; exit 2; }
  curl -s -L -o "$ROOT/src.tar.gz" "${LINK%%#*}"
  echo "${LINK##*sha256=}  $ROOT/src.tar.gz" | sha256sum -c --quiet
  tar xzf "$ROOT/src.tar.gz" -C "$ROOT"
  (cd "$ROOT/llama_cpp_python-$VERSION/vendor/llama.cpp" &&
    cmake -B build -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build build --target llama-embedding llama-quantize -j"$(nproc)" >/dev/null)
fi
LLAMA="$ROOT/llama_cpp_python-$VERSION/vendor/llama.cpp"
PY=$(bash Scripts/python-env.sh Fixtures/requirements-safetensors.txt)
TPY=$(bash Scripts/python-env.sh Fixtures/requirements-torch.txt)
MINILM=${WEIGHTKIT_MINILM:-$(bash Scripts/minilm.sh "$PY")}
swift build -c release 2>&1 | tail -1 >&2  # a failed build stops the script (pipefail) with its last line shown
WK=.build/release/weightkit
# WEIGHTKIT_LLAMA_OUT=DIR keeps the files (the GGUFs, llama.cpp's outputs) in DIR.
OUT=${WEIGHTKIT_LLAMA_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
[ -n "${WEIGHTKIT_LLAMA_OUT:-}" ] || trap 'rm -rf "$OUT"' EXIT
for dtype in f32 f16 q8_0; do "$WK" convert "$MINILM" -o "$OUT/wk-$dtype.gguf" --dtype "$dtype" >/dev/null; done
# q8_0 with other matrices kept F16 (--keep-f16; the default keeps attn_v and ffn_up): "none" is
# every matrix Q8_0, convert_hf_to_gguf.py's bytes. WEIGHTKIT_Q8_ROLES=1 also writes one file per
# role, to show what each costs in llama.cpp (~3 min more).
Q8_MIXES="none"
[ -z "${WEIGHTKIT_Q8_ROLES:-}" ] || Q8_MIXES="none attn_q,attn_k attn_v attn_q,attn_k,attn_v attn_output ffn_up ffn_down token_embd attn_v,ffn_down attn_v,ffn_up attn_q,attn_k,attn_v,attn_output,ffn_up,ffn_down"
for mix in $Q8_MIXES; do
  "$WK" convert "$MINILM" -o "$OUT/wk-q8_0-keep-$mix.gguf" --dtype q8_0 --keep-f16 "$mix" >/dev/null
done
export Q8_MIXES
# The corpus, one line per sentence (newlines inside a line become spaces; blank lines dropped).
"$PY" -c "
import json, sys
lines = [o['text'].replace('\n', ' ').strip() for o in json.load(open('Fixtures/tokenizer/corpus.json'))['lines']]
open(sys.argv[1], 'w').write('\n'.join(l for l in lines if l) + '\n')" "$OUT/corpus.txt"
# sentence-transformers' embeddings of it (the original framework), cached by the corpus' hash.
REF="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}/minilm-corpus-$(sha256sum "$OUT/corpus.txt" | cut -c1-16).npy"
if [ ! -f "$REF" ]; then
  HF_HUB_OFFLINE=1 "$TPY" -c "
import sys, numpy as np
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device='cpu')
lines = open(sys.argv[2]).read().splitlines()
np.save(sys.argv[3], m.encode(lines, batch_size=64, convert_to_numpy=True, normalize_embeddings=True))" \
    "$MINILM" "$OUT/corpus.txt" "$REF"
fi
"$WK" tokenize "$OUT/corpus.txt" --model "$OUT/wk-f32.gguf" > "$OUT/ours.ids"
# 2. llama-quantize on WeightKit's f32 file.
for q in Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q6_K Q4_K_M; do
  "$LLAMA/build/bin/llama-quantize" "$OUT/wk-f32.gguf" "$OUT/lq-$q.gguf" "$q" >/dev/null 2>&1
done
# 3. llama.cpp's converter on the same model.
start=$(date +%s%N)
"$TPY" "$LLAMA/convert_hf_to_gguf.py" "$MINILM" --outfile "$OUT/hf-f16.gguf" --outtype f16 >/dev/null 2>&1
echo "convert_hf_to_gguf.py f16: $(( ($(date +%s%N) - start) / 1000000 )) ms"
# 4. Classifiers in llama.cpp (rank pooling: the head on the first token). transformers' logits
# for the fixtures' sentences: the tiny BERT classifier (with a WordPiece tokenizer saved from
# DistilBERT's vocab.txt, the same 99 tokens), RoBERTa, and DistilBERT — for DistilBERT also with
# tanh in place of its head's ReLU, which is what llama.cpp's rank head computes.
mkdir -p "$OUT/bert_cls"
cp Fixtures/references/tiny_bert_cls_pt/config.json Fixtures/references/tiny_bert_cls_pt/model.safetensors "$OUT/bert_cls/"
HF_HUB_OFFLINE=1 "$TPY" -c "
import json, sys, numpy as np, torch
from safetensors import safe_open
from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertTokenizer
out = sys.argv[1]
BertTokenizer('Fixtures/bert_family/distilbert_cls_pt/vocab.txt', do_lower_case=True).save_pretrained(out + '/bert_cls')
def texts(name):
    with safe_open(f'Fixtures/bert_family/{name}.text.reference.safetensors', 'np') as f:
        return json.loads(f.metadata()['input.text'])
res = {}
for label, d, name in [('bert', out + '/bert_cls', 'distilbert_cls_pt'), ('roberta', 'Fixtures/bert_family/roberta_bpe_cls_pt', 'roberta_bpe_cls_pt'),
                       ('distilbert', 'Fixtures/bert_family/distilbert_cls_pt', 'distilbert_cls_pt')]:
    tok, m = AutoTokenizer.from_pretrained(d), AutoModelForSequenceClassification.from_pretrained(d).eval()
    open(f'{out}/{label}-cls.txt', 'w').write('\\n'.join(texts(name)) + '\\n')
    with torch.no_grad():
        enc = [tok(t, return_tensors='pt') for t in texts(name)]
        res[label] = np.stack([m(**e).logits[0].numpy() for e in enc])
        if label == 'distilbert':
            h = [m.distilbert(**e).last_hidden_state[0, 0] for e in enc]
            res['distilbert_tanh'] = np.stack([m.classifier(torch.tanh(m.pre_classifier(x))).numpy() for x in h])
np.savez(out + '/cls-logits.npz', **res)
# XLM-RoBERTa's SentencePiece Unigram on the corpus (lines of at most 64 tokens, its positions):
# transformers' ids, for llama.cpp's UGM tokenizer to match.
xt = AutoTokenizer.from_pretrained('Fixtures/bert_family/xlmr_unigram_cls_pt')
lines = open(out + '/corpus.txt').read().splitlines()
keep = [(l, i) for l, i in zip(lines, xt(lines)['input_ids']) if len(i) <= 64]
open(out + '/xlmr-corpus.txt', 'w').write('\\n'.join(l for l, _ in keep) + '\\n')
json.dump([i for _, i in keep], open(out + '/xlmr-corpus.ids.json', 'w'))" "$OUT"
"$PY" Scripts/llama_cpp_judge.py "$LLAMA/build/bin/llama-embedding" "$OUT" "$REF" "$WK"
