#!/usr/bin/env bash
# Mapping conversions (issue: convert a bert-base-sized tf_model.h5 and model.safetensors to a
# graph-ready .wkc): WeightKit against Benchmarks/map_peer.py (h5py / safetensors / numpy) in the
# same run, medians, the ratio, and peak RSS.
#
#   bash Benchmarks/mapper.sh        (RUNS=10 by default)
#
# Also measured: the peer with --fsync (its output made durable, as WeightKit's always is),
# WeightKit with WEIGHTKIT_BUFFERED_WRITES=1 (through the page cache instead of direct I/O), and
# cp of the h5 (the file system's copy speed on this machine). Every command overwrites its own
# output on each run, as a user re-running a conversion would.
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-10}
need_hyperfine
ensure_venv .venv-mappeer Benchmarks/requirements-map-peer.txt
PY=.venv-mappeer/bin/python
ensure_tf_bert_base
ensure_bert_base_pt "$PY"
build_release
H=$DATA/tf-bert-base/tf_model.h5
S=$DATA/bert-base-pt/model.safetensors
echo "sources: $H ($(stat -c %s "$H") bytes), $S ($(stat -c %s "$S") bytes); runs: $RUNS, warm page cache"
J=$(mktemp -d)
hyperfine -N -w 1 -r "$RUNS" --export-json "$J/h5.json" \
  -n wk "$WK convert $H -o $DATA/map-h5.wkc --model bert" \
  -n wk-buffered "env WEIGHTKIT_BUFFERED_WRITES=1 $WK convert $H -o $DATA/map-h5-buffered.wkc --model bert" \
  -n peer "$PY Benchmarks/map_peer.py $H $DATA/map-h5-peer.safetensors" \
  -n peer-fsync "$PY Benchmarks/map_peer.py $H $DATA/map-h5-peer-fsync.safetensors --fsync" \
  -n cp "cp $H $DATA/map-h5-cp.h5" >/dev/null
hyperfine -N -w 1 -r "$RUNS" --export-json "$J/st.json" \
  -n wk "$WK convert $S -o $DATA/map-st.wkc --model bert" \
  -n wk-buffered "env WEIGHTKIT_BUFFERED_WRITES=1 $WK convert $S -o $DATA/map-st-buffered.wkc --model bert" \
  -n peer "$PY Benchmarks/map_peer.py $S $DATA/map-st-peer.safetensors" \
  -n peer-fsync "$PY Benchmarks/map_peer.py $S $DATA/map-st-peer-fsync.safetensors --fsync" >/dev/null
RSS_H=$(peak_rss_kib "$WK" convert "$H" -o "$DATA/map-h5.wkc" --model bert)
RSS_S=$(peak_rss_kib "$WK" convert "$S" -o "$DATA/map-st.wkc" --model bert)
RSS_PH=$(peak_rss_kib "$PY" Benchmarks/map_peer.py "$H" "$DATA/map-h5-peer.safetensors")
RSS_PS=$(peak_rss_kib "$PY" Benchmarks/map_peer.py "$S" "$DATA/map-st-peer.safetensors")
PYTHONPATH=Benchmarks python3 - "$J" "$RSS_H" "$RSS_S" "$RSS_PH" "$RSS_PS" "$(stat -c %s "$H")" "$(stat -c %s "$S")" <<'PY'
import sys
from hyperfine_medians import medians
j, rss_h, rss_s, rss_ph, rss_ps, size_h, size_s = sys.argv[1], *map(int, sys.argv[2:])
for label, key, rss, prss, size in (("tf_model.h5", "h5", rss_h, rss_ph, size_h), ("model.safetensors", "st", rss_s, rss_ps, size_s)):
    r = medians(f"{j}/{key}.json")
    ms = lambda k: r[k] * 1000
    print(f"{label:18} WeightKit {ms('wk'):6.0f} ms   peer {ms('peer'):6.0f} ms  {r['peer'] / r['wk']:.2f}x   "
          f"peer --fsync {ms('peer-fsync'):6.0f} ms  {r['peer-fsync'] / r['wk']:.2f}x   "
          f"WeightKit buffered {ms('wk-buffered'):6.0f} ms" + (f"   cp {ms('cp'):6.0f} ms" if "cp" in r else ""))
    print(f"{'':18} peak RSS WeightKit {rss / 1024:.0f} MiB ({rss * 1024 / size * 100:.0f} % of the file), peer {prss / 1024:.0f} MiB")
PY
rm -rf "$J"
