"""Writes packed_v2.wkc: a .wkc format-version-2 file with blocked tensors, built from
Schemas/wkc-format.md alone (plain Python, no WeightKit code), so WeightKit's reader is checked
against the specification rather than against its own writer, and the wkc fuzzer has a
version-2 seed.

Tensors (K=5, N=70, ragged against the 32/64-row x 64-column tiles):
  bf16.blocked       BF16 [5, 70]  layout BA16a64b2a
  bf16.plain         BF16 [5, 70]  the same values, row-major
  i8.blocked         I8   [5, 70]  layout BA16a64b4a, scale i8.blocked_scale
  i8.blocked_scale   F32  [70]
  i8.expected        F32  [5, 70]  q * scale, row-major: what a reader must decode

Run: python3 Fixtures/wkc/generate_packed.py   (Python 3.9+, standard library only)
"""
import json
import os
import random
import struct
import zlib

K, N = 5, 70
rng = random.Random(20261202)


def blocked_index(r, c, k, a1, b, a2):
    A = a1 * a2
    tiles_k = (k + A - 1) // A
    ri = r % A
    return ((c // b) * tiles_k + r // A) * A * b + (ri // a2 * b + c % b) * a2 + ri % a2


def blocked_bytes(values, k, n, a1, b, a2, es, encode):
    A = a1 * a2
    size = ((k + A - 1) // A * A) * ((n + b - 1) // b * b) * es
    out = bytearray(size)
    for r in range(k):
        for c in range(n):
            i = blocked_index(r, c, k, a1, b, a2)
            out[i * es:(i + 1) * es] = encode(values[r * n + c])
    return bytes(out)


bf16 = [rng.randrange(0, 1 << 16) & 0xFF7F | 0x3C00 for _ in range(K * N)]  # finite bf16 bit patterns
q = [rng.randrange(-127, 128) for _ in range(K * N)]
scale = [rng.uniform(0.001, 0.05) for _ in range(N)]
scale = [struct.unpack("<f", struct.pack("<f", s))[0] for s in scale]  # as float32
expected = [struct.unpack("<f", struct.pack("<f", q[i] * scale[i % N]))[0] for i in range(K * N)]

u16 = lambda v: struct.pack("<H", v)
tensors = [
    ("bf16.blocked", "BF16", blocked_bytes(bf16, K, N, 16, 64, 2, 2, u16), {"layout": "BA16a64b2a"}),
    ("bf16.plain", "BF16", b"".join(u16(v) for v in bf16), {}),
    ("i8.blocked", "I8", blocked_bytes(q, K, N, 16, 64, 4, 1, lambda v: struct.pack("<b", v)),
     {"layout": "BA16a64b4a", "scale": "i8.blocked_scale"}),
    ("i8.blocked_scale", "F32", b"".join(struct.pack("<f", s) for s in scale), {}),
    ("i8.expected", "F32", b"".join(struct.pack("<f", v) for v in expected), {}),
]
shapes = {"i8.blocked_scale": [N]}

entries, data, offset = [], b"", 0
for name, dtype, raw, extra in tensors:
    offset = (len(data) + 63) // 64 * 64
    data += b"\0" * (offset - len(data)) + raw
    e = {"name": name, "dtype": dtype, "shape": shapes.get(name, [K, N]), "offset": offset,
         "length": len(raw), "crc32": "%08x" % (zlib.crc32(raw) & 0xFFFFFFFF)}
    e.update(extra)
    entries.append(e)
header = json.dumps({"data_size": len(data), "metadata": {"generator": "Fixtures/wkc/generate_packed.py"},
                     "model": None, "provenance": None, "tensors": entries}).encode()
prefix = b"\x89WKC\r\n\x1a\n" + struct.pack("<IIQ", 2, zlib.crc32(header) & 0xFFFFFFFF, len(header))
start = (24 + len(header) + 63) // 64 * 64
out = prefix + header + b"\0" * (start - 24 - len(header)) + data
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packed_v2.wkc")
with open(path + ".tmp", "wb") as f:
    f.write(out)
    f.flush()
    os.fsync(f.fileno())
os.replace(path + ".tmp", path)
print(f"wrote {path} ({len(out)} bytes)")
