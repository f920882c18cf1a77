#!/usr/bin/env bash
# GGUF export benchmark (issue 17): a bert-base-sized BERT (Benchmarks/make_bert_base.py, ≈438 MB
# F32, not committed; with bert-base-uncased's tokenizer files, taken from all-MiniLM-L6-v2, which
# shares them) converted to GGUF f16, whole process, warm page cache, in the same run:
#   weightkit convert SRC -o x.gguf --dtype f16  vs  llama.cpp's convert_hf_to_gguf.py --outtype f16
#   goals: ≥ 5× faster; WeightKit's peak RSS under 25 % of the model's size
# and both outputs compared tensor by tensor (type, dims, bytes).
#
#   bash Benchmarks/gguf.sh        (RUNS=5 by default; needs Scripts/llama-cpp-check.sh's download)
source "$(dirname "$0")/common.sh"
RUNS=${RUNS:-5}
need_hyperfine
ensure_venv .venv-torch Fixtures/requirements-torch.txt
ensure_venv .venv-interop Fixtures/requirements-safetensors.txt
LLAMA="${WEIGHTKIT_CACHE:-$HOME/.cache/weightkit}/llama-0.3.36/llama_cpp_python-0.3.36/vendor/llama.cpp"
[ -f "$LLAMA/convert_hf_to_gguf.py" ] || { echo "no $LLAMA: run Scripts/llama-cpp-check.sh first" >&2; exit 2; }
ensure_bert_base_pt .venv-torch/bin/python
MINILM=$(bash Scripts/minilm.sh .venv-interop/bin/python)
D=$DATA/bert-base-pt
for f in vocab.txt tokenizer.json tokenizer_config.json special_tokens_map.json; do cp "$MINILM/$f" "$D/"; done
build_release
SIZE=$(stat -c %s "$D/model.safetensors")
echo "model: $D ($SIZE bytes F32), runs: $RUNS, warm page cache, $(nproc) cores"
J=$(mktemp -d)
hyperfine -w 1 -r "$RUNS" --export-json "$J/a.json" \
  -n weightkit "$WK convert $D -o $DATA/wk.gguf --dtype f16" \
  -n convert_hf_to_gguf ".venv-torch/bin/python $LLAMA/convert_hf_to_gguf.py $D --outfile $DATA/hf.gguf --outtype f16" \
  >/dev/null
RSS=$(peak_rss_kib "$WK" convert "$D" -o "$DATA/wk.gguf" --dtype f16)
RSS_PY=$(peak_rss_kib .venv-torch/bin/python "$LLAMA/convert_hf_to_gguf.py" "$D" --outfile "$DATA/hf.gguf" --outtype f16)
SAME=$(.venv-interop/bin/python - "$DATA/wk.gguf" "$DATA/hf.gguf" <<'PY'
import sys
import gguf
import numpy as np
a = {t.name: t for t in gguf.GGUFReader(sys.argv[1]).tensors}
b = {t.name: t for t in gguf.GGUFReader(sys.argv[2]).tensors}
same = [n for n in b if n in a and a[n].tensor_type == b[n].tensor_type and list(a[n].shape) == list(b[n].shape)
        and np.array_equal(np.asarray(a[n].data).view(np.uint8), np.asarray(b[n].data).view(np.uint8))]
extra = sorted(set(a) - set(b))
print(f"{len(same)} of convert_hf_to_gguf.py's {len(b)} tensors identical in WeightKit's file (type, dims, bytes); "
      f"WeightKit's also has {', '.join(extra) or 'nothing else'}")
PY
)
echo "outputs: $SAME"
PYTHONPATH=Benchmarks python3 - "$J" "$SIZE" "$RSS" "$RSS_PY" <<'PY'
import sys
from hyperfine_medians import medians
d, size, rss, rss_py = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1024, int(sys.argv[4]) * 1024
r = medians(f"{d}/a.json")
print(f"weightkit convert -> GGUF f16       {r['weightkit'] * 1000:8.1f} ms")
print(f"convert_hf_to_gguf.py --outtype f16 {r['convert_hf_to_gguf'] * 1000:8.1f} ms   ratio {r['convert_hf_to_gguf'] / r['weightkit']:.1f}x  goal >= 5x")
print(f"peak RSS weightkit                  {rss / 2**20:8.1f} MiB  {rss / size * 100:.0f} % of the model  goal < 25 %")
print(f"peak RSS convert_hf_to_gguf.py      {rss_py / 2**20:8.1f} MiB  {rss_py / size * 100:.0f} % of the model")
PY
rm -rf "$J" "$DATA/wk.gguf" "$DATA/hf.gguf"
