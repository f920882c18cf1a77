#!/usr/bin/env bash
# Judged by llama.cpp itself (issue 17): builds llama.cpp's llama-embedding from the pinned
# llama-cpp-python source distribution on PyPI (its vendor/llama.cpp; cmake and g++ from Debian),
# converts the real all-MiniLM-L6-v2 to GGUF with WeightKit (f32 and f16), computes the reference
# sentences' embeddings with llama.cpp, and compares them with sentence-transformers' (the
# committed Fixtures/references/minilm.reference.safetensors), and llama.cpp's token ids with ours.
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
PY=$(bash Scripts/python-env.sh Fixtures/requirements-safetensors.txt)
MINILM=${WEIGHTKIT_MINILM:-$(bash Scripts/minilm.sh "$PY")}
swift build -c release >/dev/null 2>&1
WK=.build/release/weightkit
OUT=$(mktemp -d)
for dtype in f32 f16; do "$WK" convert "$MINILM" -o "$OUT/minilm-$dtype.gguf" --dtype "$dtype" >/dev/null; done
"$PY" - "$BIN" "$OUT" <<'PY'
import json, subprocess, sys
import numpy as np
from safetensors import safe_open
binary, out = sys.argv[1:3]
with safe_open("Fixtures/references/minilm.reference.safetensors", "np") as f:
    sentences = json.loads(f.metadata()["input.text"])
    reference = f.get_tensor("output.sentence_embedding")
    ids = f.get_tensor("input.input_ids"); mask = f.get_tensor("input.attention_mask")
for dtype in ("f32", "f16"):
    args = [binary, "-m", f"{out}/minilm-{dtype}.gguf", "--pooling", "mean", "--embd-normalize", "2",
            "--embd-output-format", "json", "--embd-separator", "\x1e", "-p", "\x1e".join(sentences), "-t", "2"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"llama-embedding failed: {r.stderr[-2000:]}")
    got = np.array([d["embedding"] for d in json.loads(r.stdout[r.stdout.index("{"):])["data"]], dtype=np.float64)
    v = subprocess.run(args + ["--verbose-prompt"], capture_output=True, text=True)
    ref = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1)
    print(f"{dtype}: llama.cpp vs sentence-transformers cosine per sentence {np.round(cos, 7).tolist()}, min {cos.min():.7f}")
    # Token ids: --verbose-prompt prints each prompt's tokens ("   101 -> '[CLS]'") before the JSON;
    # each sentence starts with [CLS].
    listed = [int(l.split("->")[0]) for l in (v.stdout + v.stderr).splitlines()
              if "->" in l and l.split("->")[0].strip().isdigit()]
    cls = int(ids[0][0])
    toks = []
    for t in listed:
        if t == cls or not toks:
            toks.append([])
        toks[-1].append(t)
    ours = [[int(x) for x, m in zip(row, mrow) if m] for row, mrow in zip(ids, mask)]
    if toks:
        same = sum(a == b for a, b in zip(toks, ours))
        print(f"{dtype}: token ids identical to WeightKit's (the reference's) for {same} of {len(ours)} sentences")
PY
rm -rf "$OUT"
