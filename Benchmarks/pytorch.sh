#!/usr/bin/env bash
# PyTorch reader benchmarks: inspect and convert a bert-base-sized pytorch_model.bin, against
# torch.load(weights_only=True, mmap=True) (+ safetensors' save_file) in the same run.
# Prints medians, ratios and peak RSS.
#
#   bash Benchmarks/pytorch.sh
#
# Needs hyperfine and .venv-torch (Fixtures/requirements-torch.txt); writes
# bench-data/bert-base-bin/pytorch_model.bin (≈438 MB, not committed) from bench-data/bert-base-pt.
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-10}
need_hyperfine
ensure_venv .venv-torch Fixtures/requirements-torch.txt onnxruntime onnx   # the same environment as graphs.sh
ensure_bert_base_pt .venv-torch/bin/python
[ -f "$DATA/bert-base-bin/pytorch_model.bin" ] || .venv-torch/bin/python Benchmarks/make_bert_base_bin.py "$DATA/bert-base-pt" "$DATA/bert-base-bin"
build_release
PY=.venv-torch/bin/python
B=$DATA/bert-base-bin/pytorch_model.bin
SIZE=$(stat -c %s "$B")
echo "file: $B ($SIZE bytes), runs: $RUNS, warm page cache"
J=$(mktemp -d)
hyperfine -N -w 2 -r "$RUNS" --export-json "$J/a.json" \
  -n inspect "$WK inspect $B" \
  -n peer-inspect "$PY Benchmarks/torch_peer.py inspect $B" \
  -n check "$WK check $B" >/dev/null
hyperfine -w 1 -r "$RUNS" --export-json "$J/b.json" \
  -n convert-wkc "$WK convert $B -o $DATA/bin.wkc" \
  -n convert-safetensors "$WK convert $B -o $DATA/bin.safetensors" \
  -n peer-convert "$PY Benchmarks/torch_peer.py convert $B $DATA/peer.safetensors" \
  -n cp "cp $B $DATA/cp.bin" >/dev/null
RSS_WK=$(peak_rss_kib "$WK" convert "$B" -o "$DATA/bin.safetensors")
RSS_PEER=$(peak_rss_kib "$PY" Benchmarks/torch_peer.py convert "$B" "$DATA/peer.safetensors")
PYTHONPATH=Benchmarks python3 - "$J" "$SIZE" "$RSS_WK" "$RSS_PEER" <<'PYEOF'
import sys
from hyperfine_medians import medians
d, size, rss_wk, rss_peer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1024, int(sys.argv[4]) * 1024
r = medians(f"{d}/a.json", f"{d}/b.json")
ms = lambda k: r[k] * 1000
print(f"inspect                    {ms('inspect'):8.1f} ms   torch.load(mmap) {ms('peer-inspect'):8.1f} ms   {r['peer-inspect'] / r['inspect']:.1f}x")
print(f"check (all record CRCs)    {ms('check'):8.1f} ms   {size / r['check'] / 1e9:.2f} GB/s")
print(f"convert -> .safetensors    {ms('convert-safetensors'):8.1f} ms   torch.load + save_file {ms('peer-convert'):8.1f} ms   {r['peer-convert'] / r['convert-safetensors']:.1f}x   ({r['cp'] / r['convert-safetensors'] * 100:.0f} % of cp)")
print(f"convert -> .wkc            {ms('convert-wkc'):8.1f} ms   {r['peer-convert'] / r['convert-wkc']:.1f}x the peer   ({r['cp'] / r['convert-wkc'] * 100:.0f} % of cp, {ms('cp'):.1f} ms)")
print(f"peak RSS convert           WeightKit {rss_wk / 2**20:.1f} MiB ({rss_wk / size * 100:.0f} % of the file)   peer {rss_peer / 2**20:.1f} MiB ({rss_peer / size * 100:.0f} %)")
PYEOF
rm -rf "$J" "$DATA/cp.bin" "$DATA/bin.wkc" "$DATA/bin.safetensors" "$DATA/peer.safetensors"
