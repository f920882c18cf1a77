#!/usr/bin/env bash
# A GGUF written by llama.cpp's own quantize tool (llama-quantize of llama-cpp-python 0.3.36's
# vendor/llama.cpp, built by Scripts/llama-cpp-check.sh): the tiny Google BERT classifier
# (Fixtures/tensorflow/google_bert_classifier), converted to an f32 GGUF by WeightKit, then
# quantised as Q4_K_M. Its rows (32, 64) are not multiples of the K-quants' 256, so llama.cpp
# falls back to Q5_0 and Q8_0 per tensor, as it does for any such model.
#
#   bash Fixtures/gguf/generate_llama.sh        (after Scripts/llama-cpp-check.sh has built llama.cpp)
set -euo pipefail
cd "$(dirname "$0")/../.."
Q="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}/llama-0.3.36/llama_cpp_python-0.3.36/vendor/llama.cpp/build/bin/llama-quantize"
[ -x "$Q" ] || { echo "no $Q: run Scripts/llama-cpp-check.sh first" >&2; exit 2; }
swift build >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/debug/weightkit convert Fixtures/tensorflow/google_bert_classifier -o "$tmp/f32.gguf" >/dev/null
"$Q" "$tmp/f32.gguf" Fixtures/gguf/google_bert_classifier.llama-q4_k_m.gguf Q4_K_M >/dev/null 2>&1
