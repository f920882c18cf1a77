#!/usr/bin/env python3
"""The table Benchmarks/graphs.sh prints: per shape, each peer's median (over rounds) of its
per-round medians, the ratios the issue's goals are stated in, GFLOP/s and the share of the
machine's float32 FMA peak.  graphs_table.py RESULTS.jsonl CONFIG.json"""
import json
import os
import re
import statistics
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
config = json.load(open(sys.argv[2]))
H, I, L = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]


def flops(b, s):
    """Multiply-adds ×2 of the encoder: the linear layers and the two attention products."""
    n = b * s
    return L * (2 * n * (4 * H * H + 2 * H * I) + 2 * 2 * b * s * s * H)


def peak_gflops():
    """cores × the nominal clock /proc/cpuinfo reports × 2 FMA units × 16 float32 lanes (AVX-512;
    8 on AVX2) × 2 flops. Boost clocks run higher, so a share above 100 % is possible."""
    text = open("/proc/cpuinfo").read()
    mhz = float(re.search(r"cpu MHz\s*:\s*([\d.]+)", text).group(1))
    lanes = 16 if " avx512f" in text else 8
    return os.cpu_count() * mhz / 1000 * 2 * lanes * 2


def med(peer, shape):
    v = [r["forward_ms"]["median"] for r in rows if r["peer"] == peer and r["shape"] == shape]
    return statistics.median(v) if v else None


peak = peak_gflops()
shapes = sorted({r["shape"] for r in rows}, key=lambda s: [int(x) for x in s.split("x")])
print(f"float32 FMA peak at the nominal clock: {peak:.0f} GFLOP/s (2 FMA units of 16 lanes per core)")
print(f"{'shape':7} {'wk f32':>8} {'wk bf16':>8} {'wk int8':>8} {'pytorch':>8} {'ort':>8} {'ort-opt':>8} {'ort-int8':>8}"
      f" | {'f32/ORT':>8} {'PT/f32':>7} {'ORTf32/bf16':>11} {'ORTi8/int8':>10} | {'f32 GF/s':>8} {'% peak':>6}")
for shape in shapes:
    b, s = (int(x) for x in shape.split("x"))
    f32, bf16, int8 = (med(f"weightkit-{p}", shape) for p in ("f32", "bf16", "int8"))
    pt, ort, ortopt, ort8 = (med(p, shape) for p in ("pytorch", "ort", "ort-opt", "ort-int8"))
    best = min(x for x in (ort, ortopt) if x is not None)

    def f(x):
        return f"{x:8.2f}" if x is not None else f"{'-':>8}"

    def ratio(a, b, w):
        return f"{a / b:{w - 1}.2f}x" if a is not None and b is not None else f"{'-':>{w}}"
    gf = flops(b, s) / (f32 / 1000) / 1e9 if f32 else None
    print(f"{shape:7} {f(f32)} {f(bf16)} {f(int8)} {f(pt)} {f(ort)} {f(ortopt)} {f(ort8)}"
          f" | {ratio(f32, best, 8)} {ratio(pt, f32, 7)} {ratio(best, bf16, 11)} {ratio(ort8, int8, 10)}"
          f" | {gf:8.0f} {100 * gf / peak:5.0f}%")
kernels = {r["peer"]: r["kernel"] for r in rows if "kernel" in r}
for p, k in sorted(kernels.items()):
    print(f"  {p}: {k}")
print("ratios: f32/ORT = WeightKit f32 time / the faster ORT f32 (goal <= 0.9); PT/f32 = PyTorch / WeightKit f32"
      " (goal >= 2); ORTf32/bf16 (goal >= 1.7 at 8x128); ORTi8/int8 (goal >= 1.3)")
