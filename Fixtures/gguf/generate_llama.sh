#!/usr/bin/env bash
# GGUFs written by llama.cpp's own tools (llama-cpp-python 0.3.36's vendor/llama.cpp, built by
# Scripts/llama-cpp-check.sh), from the tiny fixtures:
#
# 1. google_bert_classifier.llama-q4_k_m.gguf — llama-quantize: the tiny Google BERT classifier
#    (Fixtures/tensorflow/google_bert_classifier), converted to an f32 GGUF by WeightKit, then
#    quantised as Q4_K_M. Its rows (32, 64) are not multiples of the K-quants' 256, so llama.cpp
#    falls back to Q5_0 and Q8_0 per tensor, as it does for any such model.
# 2. hf-converter.*.gguf — llama.cpp's convert_hf_to_gguf.py (through Fixtures/gguf/convert_hf.py,
#    which only gives it the tokenizer.ggml.pre name its hash table lacks for these vocabularies),
#    in the pinned PyTorch environment, from the transformers fixtures:
#      bert_cls.f32        Fixtures/references/tiny_bert_cls_pt (BertForSequenceClassification)
#                          with a WordPiece tokenizer saved by transformers' BertTokenizerFast from
#                          Fixtures/bert_family/distilbert_cls_pt/vocab.txt (same 99 tokens)
#      distilbert_cls.f32  Fixtures/bert_family/distilbert_cls_pt
#      distilbert_cls.q8_0 the same, --outtype q8_0
#      roberta_bpe_cls.f32 Fixtures/bert_family/roberta_bpe_cls_pt (byte-level BPE)
#
#   bash Fixtures/gguf/generate_llama.sh        (after Scripts/llama-cpp-check.sh has built llama.cpp)
set -euo pipefail
cd "$(dirname "$0")/../.."
LLAMA="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}/llama-0.3.36/llama_cpp_python-0.3.36/vendor/llama.cpp"
Q="$LLAMA/build/bin/llama-quantize"
[ -x "$Q" ] || { echo "no $Q: run Scripts/llama-cpp-check.sh first" >&2; exit 2; }
TPY=$(bash Scripts/python-env.sh Fixtures/requirements-torch.txt)
swift build >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/debug/weightkit convert Fixtures/tensorflow/google_bert_classifier -o "$tmp/f32.gguf" >/dev/null
"$Q" "$tmp/f32.gguf" Fixtures/gguf/google_bert_classifier.llama-q4_k_m.gguf Q4_K_M >/dev/null 2>&1

mkdir "$tmp/tiny_bert_cls"
cp Fixtures/references/tiny_bert_cls_pt/config.json Fixtures/references/tiny_bert_cls_pt/model.safetensors "$tmp/tiny_bert_cls/"
"$TPY" -c "
import sys
from transformers import BertTokenizerFast
BertTokenizerFast(sys.argv[1], do_lower_case=True, model_max_length=24).save_pretrained(sys.argv[2])
" Fixtures/bert_family/distilbert_cls_pt/vocab.txt "$tmp/tiny_bert_cls"
convert() {  # source, tokenizer.ggml.pre, outtype, output name
  "$TPY" Fixtures/gguf/convert_hf.py "$LLAMA" --pre "$2" "$1" --outtype "$3" \
    --outfile "Fixtures/gguf/hf-converter.$4.gguf" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
}
convert "$tmp/tiny_bert_cls" jina-v2-en f32 bert_cls.f32
convert Fixtures/bert_family/distilbert_cls_pt jina-v2-en f32 distilbert_cls.f32
convert Fixtures/bert_family/distilbert_cls_pt jina-v2-en q8_0 distilbert_cls.q8_0
convert Fixtures/bert_family/roberta_bpe_cls_pt roberta-bpe f32 roberta_bpe_cls.f32
ls -la Fixtures/gguf/hf-converter.*.gguf
