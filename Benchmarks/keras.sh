#!/usr/bin/env bash
# HDF5 benchmarks (issue: inspect and convert of a bert-base-sized tf_model.h5).
# Prints medians, the ratio against cp measured in the same run, and peak RSS.
#
#   bash Benchmarks/keras.sh
#
# Needs hyperfine and the fixture environment of Fixtures/requirements-keras.txt (TensorFlow,
# transformers), which it creates in .venv-keras/ to write bench-data/tf-bert-base/tf_model.h5
# (≈438 MB, not committed).
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-10}
need_hyperfine
ensure_tf_bert_base
build_release
H=$DATA/tf-bert-base/tf_model.h5
SIZE=$(stat -c %s "$H")
echo "file: $H ($SIZE bytes), runs: $RUNS, warm page cache"
J=$(mktemp -d)
hyperfine -N -w 2 -r "$RUNS" --export-json "$J/a.json" \
  -n inspect "$WK inspect $H" \
  -n inspect-stats "$WK inspect --stats $H" \
  -n inspect-stats-h5dread "env WEIGHTKIT_HDF5_READ=1 $WK inspect --stats $H" >/dev/null
hyperfine -w 2 -r "$RUNS" --export-json "$J/b.json" \
  -n convert-to-wkc "$WK convert $H -o $DATA/h5.wkc" \
  -n convert-to-wkc-h5dread "WEIGHTKIT_HDF5_READ=1 $WK convert $H -o $DATA/h5.wkc" \
  -n cp "cp $H $DATA/cp.bin" >/dev/null
RSS=$(peak_rss_kib "$WK" convert "$H" -o "$DATA/h5.wkc")
RSS_READ=$(peak_rss_kib env WEIGHTKIT_HDF5_READ=1 "$WK" convert "$H" -o "$DATA/h5.wkc")
PYTHONPATH=Benchmarks python3 - "$J" "$SIZE" "$RSS" "$RSS_READ" <<'PY'
import sys
from hyperfine_medians import medians
d, size, rss, rss_read = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1024, int(sys.argv[4]) * 1024
r = medians(f"{d}/a.json", f"{d}/b.json")
ms = lambda k: r[k] * 1000
print(f"inspect                         {ms('inspect'):8.1f} ms")
print(f"inspect --stats (mapped)        {ms('inspect-stats'):8.1f} ms  {size / r['inspect-stats'] / 1e9:.2f} GB/s")
print(f"inspect --stats (H5Dread)       {ms('inspect-stats-h5dread'):8.1f} ms  {size / r['inspect-stats-h5dread'] / 1e9:.2f} GB/s")
print(f"convert -> wkc (mapped)         {ms('convert-to-wkc'):8.1f} ms  {r['cp'] / r['convert-to-wkc'] * 100:.0f} % of cp ({ms('cp'):.1f} ms)  goal >= 50 %")
print(f"convert -> wkc (H5Dread)        {ms('convert-to-wkc-h5dread'):8.1f} ms  {r['cp'] / r['convert-to-wkc-h5dread'] * 100:.0f} % of cp")
print(f"peak RSS convert (mapped)       {rss / 2**20:8.1f} MiB  {rss / size * 100:.0f} % of the file  goal < 100 %")
print(f"peak RSS convert (H5Dread)      {rss_read / 2**20:8.1f} MiB  {rss_read / size * 100:.0f} % of the file")
PY
rm -rf "$J" "$DATA/cp.bin" "$DATA/h5.wkc"
