#!/usr/bin/env python3
"""PyTorch checkpoint fixtures, written by real torch (versions pinned in
Fixtures/requirements-torch.txt), for WeightKit's safe torch.save reader.

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/pytorch/generate.py

Outputs under Fixtures/pytorch/ (manifest.json records, for every file, what torch itself says):
  tiny_bert_cls_bin/        pytorch_model.bin + config.json: Fixtures/references/tiny_bert_cls_pt
                            re-saved by transformers with safe_serialization=False (so the
                            reference bundle tiny_bert_cls_pt.reference.safetensors applies)
  tiny_bert_bin_sharded/    Fixtures/references/tiny_bert_pt as pytorch_model-0000k-of-0000n.bin
                            shards + pytorch_model.bin.index.json (max_shard_size 30KB)
  tensors.pt                every dtype torch.save writes (typed and untyped storages), strided
                            views (transpose, slice, expand), a Parameter, a 0-d tensor, two names
                            for one tensor; manifest: dtype, shape, SHA-256 of the row-major bytes
  training_checkpoint.pt    {"model": state_dict, "optimizer": Adam state_dict, "epoch": 3}
  expanded.pt               torch.zeros(1).expand(10**9): a billion-element view of one float
  legacy.pt                 _use_new_zipfile_serialization=False (pre-1.6 format)
  torchscript.pt            torch.jit.save of a module (not a state dict)
  hostile_*.pt              pickles that run code under torch.load(weights_only=False): the
                            manifest records that they really did, in a scratch directory
  tensors_deflated.pt       tensors.pt re-zipped by Python's zipfile with deflate (torch reads it)
  malformed/*.pt            tensors.pt damaged by this script (truncated, a record missing,
                            a record short, a truncated data.pkl)
"""
import builtins
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import torch
import transformers
from transformers import BertForSequenceClassification, BertModel

HERE = os.path.dirname(os.path.abspath(__file__))
REFS = os.path.join(os.path.dirname(HERE), "references")
MARKER = "weightkit_hostile_marker"


def row_major_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bool:
        return t.to(torch.uint8).numpy().tobytes()
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def describe(sd):
    out = {}
    for name, t in sd.items():
        out[name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                     "sha256": hashlib.sha256(row_major_bytes(t)).hexdigest()}
    return out


def flatten(obj, prefix=""):
    """The names WeightKit gives nested tensors: keys joined with '.'."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}{i}."))
    elif isinstance(obj, torch.Tensor):
        out[prefix[:-1]] = obj
    return out


def torch_says(path):
    """What torch.load(weights_only=True) does with a file: ok, or its error."""
    try:
        torch.load(path, weights_only=True, map_location="cpu")
        return "loads"
    except Exception as e:  # noqa: BLE001 - recorded, not handled
        return f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}".rstrip(": ")


class RunsShell:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


class RunsEval:
    def __reduce__(self):
        return (builtins.eval, (f"open('{MARKER}', 'w').close()",))


class Unknown:
    """An arbitrary class: pickled as a global plus BUILD state, imported on load."""
    def __init__(self):
        self.payload = "state"


def main():
    manifest = {"producer": "Fixtures/pytorch/generate.py",
                "framework": f"torch {torch.__version__} / transformers {transformers.__version__}",
                "files": {}}

    # Hugging Face .bin checkpoints, from the committed safetensors fixtures.
    cls = BertForSequenceClassification.from_pretrained(os.path.join(REFS, "tiny_bert_cls_pt"))
    out = os.path.join(HERE, "tiny_bert_cls_bin")
    shutil.rmtree(out, ignore_errors=True)
    cls.save_pretrained(out, safe_serialization=False)
    manifest["files"]["tiny_bert_cls_bin/pytorch_model.bin"] = {
        "torch": torch_says(os.path.join(out, "pytorch_model.bin")), "tensors": describe(cls.state_dict())}
    base = BertModel.from_pretrained(os.path.join(REFS, "tiny_bert_pt"))
    out = os.path.join(HERE, "tiny_bert_bin_sharded")
    shutil.rmtree(out, ignore_errors=True)
    base.save_pretrained(out, safe_serialization=False, max_shard_size="30KB")
    manifest["files"]["tiny_bert_bin_sharded/pytorch_model.bin.index.json"] = {"tensors": describe(base.state_dict())}

    # Every dtype and layout.
    torch.manual_seed(0)
    sd = {}
    for dt in [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int64, torch.int32,
               torch.int16, torch.int8, torch.uint8, torch.bool, torch.float8_e4m3fn, torch.float8_e5m2,
               torch.uint16, torch.uint32, torch.uint64]:
        sd["dtype." + str(dt).replace("torch.", "")] = (torch.randn(3, 5) * 4).to(dt)
    m = torch.randn(6, 4)
    sd["strided.transpose"] = m.T
    sd["strided.slice"] = m[1:5, 1:3]
    sd["strided.expand"] = torch.randn(1, 4).expand(3, 4)
    sd["strided.step"] = torch.arange(20, dtype=torch.float32)[::3]
    sd["storage.offset"] = m[2]
    sd["parameter"] = torch.nn.Parameter(torch.randn(5))
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["tied.a"] = sd["tied.b"] = torch.randn(2, 2)
    path = os.path.join(HERE, "tensors.pt")
    torch.save(sd, path)
    manifest["files"]["tensors.pt"] = {"torch": torch_says(path), "tensors": describe(sd)}

    # A training checkpoint: nested dicts, optimizer state with int keys, non-tensor values.
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 4)).sum().backward()
    opt.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "note": "fixture"}
    path = os.path.join(HERE, "training_checkpoint.pt")
    torch.save(ckpt, path)
    manifest["files"]["training_checkpoint.pt"] = {"torch": torch_says(path), "tensors": describe(flatten(ckpt)),
                                                   "scalars": {"epoch": "3", "note": "fixture"}}

    # Formats WeightKit refuses with a clear error.
    path = os.path.join(HERE, "legacy.pt")
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    manifest["files"]["legacy.pt"] = {"torch": torch_says(path)}
    path = os.path.join(HERE, "torchscript.pt")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path)
    manifest["files"]["torchscript.pt"] = {"torch": torch_says(path)}

    # A legitimate but enormous view: one stored float expanded to a billion elements (stride 0).
    path = os.path.join(HERE, "expanded.pt")
    torch.save({"huge": torch.zeros(1).expand(10**9)}, path)
    manifest["files"]["expanded.pt"] = {"torch": torch_says(path)}

    # Hostile pickles, written by torch.save exactly as an attacker would.
    hostile = {
        "hostile_system.pt": {"weight": torch.ones(2), "payload": RunsShell()},
        "hostile_eval.pt": {"payload": RunsEval(), "weight": torch.ones(2)},
        "hostile_class.pt": {"weight": torch.ones(2), "payload": Unknown()},
    }
    for name, obj in hostile.items():
        path = os.path.join(HERE, name)
        torch.save(obj, path)
        entry = {"torch": torch_says(path)}
        if name != "hostile_class.pt":
            # Prove the payload is live: torch.load(weights_only=False) in a scratch directory.
            with tempfile.TemporaryDirectory() as scratch:
                subprocess.run([sys.executable, "-c", "import sys, torch; torch.load(sys.argv[1], weights_only=False)",
                                path], cwd=scratch, check=False, capture_output=True)
                entry["runs_code_under_weights_only_false"] = os.path.exists(os.path.join(scratch, MARKER))
        manifest["files"][name] = entry

    # Damaged copies of tensors.pt.
    bad = os.path.join(HERE, "malformed")
    shutil.rmtree(bad, ignore_errors=True)
    os.makedirs(bad)
    src = os.path.join(HERE, "tensors.pt")
    raw = open(src, "rb").read()
    with open(os.path.join(bad, "truncated.pt"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    with zipfile.ZipFile(src) as z:
        names = z.namelist()
        records = {n: z.read(n) for n in names}
    prefix = names[0].split("/")[0] + "/"

    def rezip(out_name, drop=None, replace=None, method=zipfile.ZIP_STORED, directory=bad):
        with zipfile.ZipFile(os.path.join(directory, out_name), "w", compression=method) as z:
            for n in names:
                if n == drop:
                    continue
                z.writestr(n, (replace or {}).get(n, records[n]))

    rezip("missing_record.pt", drop=prefix + "data/0")
    rezip("short_record.pt", replace={prefix + "data/0": records[prefix + "data/0"][:-4]})
    # Not damaged: the same records deflated, as another zip tool might rewrite it (torch reads it).
    rezip("tensors_deflated.pt", method=zipfile.ZIP_DEFLATED, directory=HERE)
    manifest["files"]["tensors_deflated.pt"] = {"torch": torch_says(os.path.join(HERE, "tensors_deflated.pt")),
                                                "tensors": manifest["files"]["tensors.pt"]["tensors"]}
    rezip("truncated_pickle.pt", replace={prefix + "data.pkl": records[prefix + "data.pkl"][:200]})
    for n in sorted(os.listdir(bad)):
        manifest["files"]["malformed/" + n] = {"torch": torch_says(os.path.join(bad, n))}

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
