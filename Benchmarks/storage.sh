#!/usr/bin/env bash
# Storage-layer benchmarks (issue: inspect / stats / check / convert on a bert-base-sized file).
# Prints medians and the ratio against the peer measured in the same run.
#
#   bash Benchmarks/storage.sh            # uses bench-data/ (created, git-ignored)
#
# Needs: hyperfine (apt), python3 -m venv; builds weightkit in release with the Swift runtime
# linked statically (the way a release binary ships), in .build-release-static/.
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-15}
need_hyperfine

ensure_venv .venv-bench Fixtures/requirements-safetensors.txt
PY=.venv-bench/bin/python
[ -f "$DATA/bert-base.safetensors" ] || $PY Benchmarks/make_bert_base.py "$DATA/bert-base.safetensors"
build_release
F=$DATA/bert-base.safetensors
$WK convert "$F" -o "$DATA/bert-base.wkc" >/dev/null
cat /proc/cpuinfo | grep -m1 "model name" || true
echo "file: $F ($(stat -c %s "$F") bytes), runs: $RUNS, warm page cache"

J=$(mktemp -d)
hyperfine -N -w 3 -r $((RUNS * 2)) --export-json "$J/inspect.json" \
  -n weightkit-inspect "$WK inspect $F" \
  -n python-safetensors-keys "$PY -c \"from safetensors import safe_open; f=safe_open('$F','np'); print(len(list(f.keys())))\"" >/dev/null
hyperfine -N -w 2 -r "$RUNS" --export-json "$J/scan.json" \
  -n inspect-stats "$WK inspect --stats $F" \
  -n check-wkc "$WK check $DATA/bert-base.wkc" >/dev/null
hyperfine -w 2 -r "$RUNS" --export-json "$J/convert.json" \
  -n convert-to-wkc "$WK convert $F -o $DATA/out.wkc" \
  -n convert-to-safetensors "$WK convert $DATA/bert-base.wkc -o $DATA/out.safetensors" \
  -n cp "cp $F $DATA/cp.bin" \
  -n cp+sync "cp $F $DATA/cp.bin && sync $DATA/cp.bin" >/dev/null

PYTHONPATH=Benchmarks $PY - "$J" "$(stat -c %s "$F")" <<'PY'
import sys
from hyperfine_medians import medians
d, size = sys.argv[1], int(sys.argv[2])
r = medians(*(f"{d}/{f}.json" for f in ("inspect", "scan", "convert")))
ms = lambda k: r[k] * 1000
gbs = lambda k: size / r[k] / 1e9
print(f"{'measure':34} {'median':>10}  {'figure':>12}  goal")
print(f"{'inspect (whole process)':34} {ms('weightkit-inspect'):8.1f}ms  {r['python-safetensors-keys']/r['weightkit-inspect']:9.1f}x faster than python safe_open keys ({ms('python-safetensors-keys'):.1f} ms)  goal >= 20x")
print(f"{'inspect --stats':34} {ms('inspect-stats'):8.1f}ms  {gbs('inspect-stats'):9.2f} GB/s  goal >= 2 GB/s")
print(f"{'check .wkc (all CRCs)':34} {ms('check-wkc'):8.1f}ms  {gbs('check-wkc'):9.2f} GB/s  goal >= 2 GB/s")
print(f"{'convert safetensors -> wkc':34} {ms('convert-to-wkc'):8.1f}ms  {r['cp']/r['convert-to-wkc']*100:9.0f} % of cp ({ms('cp'):.1f} ms); {r['cp+sync']/r['convert-to-wkc']*100:.0f} % of cp+sync ({ms('cp+sync'):.1f} ms)  goal >= 70 % of cp")
print(f"{'convert wkc -> safetensors':34} {ms('convert-to-safetensors'):8.1f}ms  {r['cp']/r['convert-to-safetensors']*100:9.0f} % of cp")
PY
rm -rf "$J" "$DATA/cp.bin" "$DATA/out.wkc" "$DATA/out.safetensors"
