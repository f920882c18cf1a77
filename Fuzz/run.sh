#!/usr/bin/env bash
# Builds the libFuzzer targets (address sanitizer) and runs one for a given time, seeded from
# Fixtures/ and from the committed corpus; new interesting inputs are merged back into
# Fuzz/corpus/TARGET, crashes land in Fuzz/crashes/TARGET, the log in Fuzz/logs/.
#
#   bash Fuzz/run.sh TARGET SECONDS        TARGET: safetensors-header shard-index wkc keras-hdf5
#                                          keras-archive torch-zip pickle tokenizer reference-bundle json tf-bundle
#                                          tf-object-graph tf-saved-model gguf
#   bash Fuzz/run.sh --build               build only
#   bash Fuzz/run.sh --replay TARGET       run the committed corpus and the crash inputs once
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
build() { swift build -c release --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | grep -E "error|Build complete" >&2; }
if [ "${1:-}" = "--build" ]; then build; exit 0; fi
REPLAY=0
if [ "${1:-}" = "--replay" ]; then REPLAY=1; shift; fi
T=${1:?target}; SECS=${2:-900}
build
BIN=.build-fuzz/release/fuzz-$T
[ -x "$BIN" ] || { echo "no target $T" >&2; exit 2; }
export WEIGHTKIT_FUZZ_VOCAB="$ROOT/Fixtures/tokenizer/vocab.txt"
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
# The HDF5 probe's time limit must stay below libFuzzer's -timeout, or a contained hang would be
# reported as a timeout of the target itself.
export WEIGHTKIT_HDF5_PROBE_SECONDS=3
mkdir -p "corpus/$T" "crashes/$T" logs
if [ $REPLAY = 1 ]; then
  # Every committed input and every crash input once: exits non-zero on any crash.
  find "corpus/$T" "crashes/$T" -type f -print0 | xargs -0 -r "$BIN" -runs=1 -rss_limit_mb=2048 2>&1 | tail -3
  exit "${PIPESTATUS[0]}"
fi

# Seeds from the fixtures the real frameworks wrote.
SEEDS=$(mktemp -d)
F=$ROOT/Fixtures
case $T in
  safetensors-header|reference-bundle) cp "$F"/safetensors/*.safetensors "$F"/safetensors/malformed/* "$F"/references/*.reference.safetensors "$SEEDS"/ 2>/dev/null || true ;;
  tf-bundle) for f in "$F"/tensorflow/*/*.index "$F"/tensorflow/*/*/*.index; do
               cp "$f" "$SEEDS/$(echo "${f#"$F"/}" | tr / _)"; done ;;
  tf-object-graph) ;;
  gguf) cp "$F"/gguf/*.gguf "$SEEDS"/ ;;
  tf-saved-model) for f in "$F"/tensorflow/*/saved_model.pb "$F"/tensorflow/*/keras_metadata.pb "$F"/keras/vectorizer/*/*.pb; do
                    cp "$f" "$SEEDS/$(echo "${f#"$F"/}" | tr / _)"; done ;;  # its seeds are in corpus/tf-object-graph: the graphs of the TF2 fixtures (TensorFlow wrote them)
  shard-index) cp "$F"/safetensors/sharded/*.json "$F"/keras/*.json "$F"/pytorch/tiny_bert_bin_sharded/*.json "$SEEDS"/ 2>/dev/null || true ;;
  wkc) "$ROOT"/.build/debug/weightkit convert "$F"/safetensors/mixed.safetensors -o "$SEEDS"/mixed.wkc >/dev/null
       "$ROOT"/.build/debug/weightkit convert "$F"/references/tiny_bert_pt -o "$SEEDS"/ready.wkc --model bert >/dev/null ;;
  keras-hdf5) find "$F"/keras -name '*.h5' -size -300k -exec cp {} "$SEEDS"/ \; ;;
  keras-archive) cp "$F"/keras/*.keras "$SEEDS"/ ;;
  torch-zip) cp "$F"/pytorch/*.pt "$F"/pytorch/malformed/*.pt "$F"/pytorch/tiny_bert_cls_bin/pytorch_model.bin "$SEEDS"/ ;;
  pickle) python3 - "$F/pytorch" "$SEEDS" <<'PY'
import glob, os, sys, zipfile
for p in glob.glob(sys.argv[1] + "/*.pt"):
    try:
        z = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        continue
    for n in z.namelist():
        if n.endswith("data.pkl"):
            open(os.path.join(sys.argv[2], os.path.basename(p) + ".pkl"), "wb").write(z.read(n))
PY
  ;;
  tokenizer) python3 - "$F/tokenizer/corpus.json" "$SEEDS" <<'PY'
import json, sys
for i, o in enumerate(json.load(open(sys.argv[1], encoding="utf-8"))["lines"][:300]):
    open(f"{sys.argv[2]}/line{i}", "w", encoding="utf-8").write(o["text"])
PY
  ;;
  json) cp "$F"/references/*/config.json "$F"/safetensors/sharded/*.json "$F"/tokenizer/cased/*.json "$SEEDS"/ 2>/dev/null || true ;;
esac
WORK=$(mktemp -d)
cp -r "corpus/$T"/. "$WORK"/ 2>/dev/null || true
MAXLEN=$(( $(find "$SEEDS" "$WORK" -type f -printf '%s\n' | sort -n | tail -1) + 4096 ))
LOG=logs/$T-$(date -u +%Y%m%dT%H%M%SZ).log
echo "fuzz-$T for $SECS s, max_len $MAXLEN, log $LOG" >&2
set +e
"$BIN" "$WORK" "$SEEDS" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
  -max_len="$MAXLEN" -artifact_prefix="crashes/$T/" -print_final_stats=1 >"$LOG" 2>&1
STATUS=$?
set -e
# Keep the inputs that add coverage (minimised against what is committed); the committed corpus
# keeps those up to 16 KiB (larger ones grow from the fixtures, which seed every run anyway).
"$BIN" -merge=1 -artifact_prefix="crashes/$T/" "corpus/$T" "$WORK" >/dev/null 2>&1 || true
find "corpus/$T" -type f -size +16k -delete
# ... and at most 1 MiB of them per target, smallest first.
ls -1Sr "corpus/$T" | awk -v d="corpus/$T" 'BEGIN { total = 0 } { cmd = "stat -c %s " d "/" $0; cmd | getline s; close(cmd); total += s; if (total > 1048576) print d "/" $0 }' | xargs -r rm -f
grep -E "^#[0-9]+[[:space:]]+(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" "$LOG" | tail -6
echo "exit $STATUS; corpus/$T: $(ls "corpus/$T" | wc -l) inputs, $(du -sh "corpus/$T" | cut -f1)"
rm -rf "$SEEDS" "$WORK"
exit $STATUS
