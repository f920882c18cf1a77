#!/usr/bin/env bash
# What --precision bf16 / int8 cost in accuracy (issue 16): the real all-MiniLM-L6-v2 run by
# `weightkit run` on the first LINES non-empty lines of Fixtures/tokenizer/corpus.json at each
# precision and again in f32; prints the drift of the sentence embeddings (lowest per-sentence
# cosine, NMSE) and of the pooler output. Then the arg-max agreement of a trained classifier on
# the same lines: MiniLM fine-tuned by PyTorch (Benchmarks/train_classifier.py, on the corpus
# lines after these, ~2 min once; kept in bench-data/), int8 and bf16 against f32, both from the
# f32 checkpoint and from a packed .wkc (convert --precision).
#
#   LINES=1000 bash Benchmarks/precision.sh
source "$(dirname "$0")/common.sh"
LINES=${LINES:-1000}
ensure_venv .venv-peers Benchmarks/requirements-peers.txt
PY=.venv-peers/bin/python
MINILM=$(bash Scripts/minilm.sh "$PY")
build_release
corpus=$DATA/corpus-$LINES.txt
python3 - "$LINES" "$corpus" <<'PY'
import json, sys
lines = [l["text"].replace("\n", " ") for l in json.load(open("Fixtures/tokenizer/corpus.json"))["lines"]]
lines = [l for l in lines if l.strip()][: int(sys.argv[1])]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print(f"{len(lines)} lines", file=sys.stderr)
PY
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512_vnni|avx512_bf16|amx_bf16|amx_int8)$' | xargs)"
for precision in bf16 int8; do
  # Batches of 50 lines (padding to the longest in each, as sentence-transformers' encode does).
  split -l 50 -d "$corpus" "$DATA/corpus-part-"
  for part in "$DATA"/corpus-part-*; do
    "$WK" run "$MINILM" --text-file "$part" --precision "$precision" --json --output sentence_embedding \
      --output pooler_output | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['drift']))"
  done > "$DATA/drift-$precision.jsonl"
  rm -f "$DATA"/corpus-part-*
  python3 - "$precision" "$DATA/drift-$precision.jsonl" <<'PY'
import json, sys
parts = [json.loads(l) for l in open(sys.argv[2])]
print(f"--precision {sys.argv[1]} ({parts[0]['kernels']}):")
for name in ("sentence_embedding", "pooler_output"):
    rows = [o for p in parts for o in p["outputs"] if o["name"] == name]
    print(f"  {name}: lowest sentence cosine {min(o['min_row_cosine'] for o in rows):.7f}, "
          f"worst batch NMSE {max(o['nmse_db'] for o in rows):.1f} dB, max abs {max(o['max_abs'] for o in rows):.2e}")
PY
done

# A trained classifier: arg-max agreement against f32 over the same lines.
CLS=$DATA/minilm-classifier
[ -f "$CLS/model.safetensors" ] || "$PY" Benchmarks/train_classifier.py "$MINILM" "$CLS" "$LINES"
for precision in bf16 int8; do
  "$WK" convert "$CLS" --model bert --precision "$precision" -o "$DATA/minilm-classifier-$precision.wkc" >/dev/null
  for source in "$CLS" "$DATA/minilm-classifier-$precision.wkc"; do
    split -l 50 -d "$corpus" "$DATA/corpus-part-"
    for part in "$DATA"/corpus-part-*; do
      "$WK" run "$source" --vocab "$CLS/vocab.txt" --text-file "$part" --precision "$precision" --json \
        --output logits | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['drift']))"
    done > "$DATA/cls-drift.jsonl"
    rm -f "$DATA"/corpus-part-*
    python3 - "$precision" "$source" "$DATA/cls-drift.jsonl" <<'PY'
import json, sys
rows = [o for l in open(sys.argv[3]) for o in json.loads(l)["outputs"] if o["name"] == "logits"]
agree, total = sum(o["argmax_agree"] for o in rows), sum(o["argmax_rows"] for o in rows)
print(f"classifier --precision {sys.argv[1]} from {sys.argv[2].split('/')[-1]}: arg-max equal to f32 on "
      f"{agree}/{total} lines ({100 * agree / total:.2f} %), lowest logits-row cosine "
      f"{min(o['min_row_cosine'] for o in rows):.6f}")
PY
  done
done
