#!/usr/bin/env python3
"""Tiny random RoBERTa and DistilBERT checkpoints written by the real frameworks, with the
outputs those frameworks compute for a padded batch (reference bundles, see
Schemas/reference-bundle.md). Run once per framework, from the repository root:

    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/generate_bert_family.py --framework torch
    $(bash Scripts/python-env.sh Fixtures/requirements-keras.txt) Fixtures/references/generate_bert_family.py --framework tf

Versions are the pins of those files: torch 2.13.0+cpu / transformers 4.57.6 / safetensors 0.8.0,
and tensorflow-cpu 2.21.0 / tf-keras 2.21.0 (TF_USE_LEGACY_KERAS=1) / transformers 4.57.6 /
h5py 3.14.0. Configurations have the BERT fixtures' sizes (hidden 32, 2 layers, 4 heads,
intermediate 37, vocabulary 99, no dropout); every 2-D parameter is multiplied by 20 before saving
(as generate_torch.py does) so exact vs tanh GELU and mask constants give different outputs.

Outputs under Fixtures/bert_family/ (each directory also holds the config.json save_pretrained wrote):
  --framework torch (seed 0 for base models, 1 for classifiers)
    roberta_pt/            model.safetensors     RobertaModel (pooler included, no "roberta." prefix)
    roberta_cls_pt/        model.safetensors     RobertaForSequenceClassification, 3 labels
    roberta_cls_bin/       pytorch_model.bin     the same classifier, torch.save format
    distilbert_pt/         model.safetensors     DistilBertModel
    distilbert_cls_pt/     model.safetensors     DistilBertForSequenceClassification, 3 labels
    distilbert_cls_bin/    pytorch_model.bin     the same classifier, torch.save format
    distilbert_cls_pt/     also vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json:
                           a real 99-entry WordPiece tokenizer (DistilBertTokenizerFast.save_pretrained;
                           [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, punctuation, ## pieces, words)
    distilbert_cls_pt.text.reference.safetensors
                           TEXT_SENTENCES given only as text (metadata input.text, no input tensors),
                           tokenised by that tokenizer (padding=True, truncation=True, max_length=24):
                           logits and last_hidden_state; the ids it gave under tokenized.input_ids
    distilbert_cls_pt.ids.reference.safetensors
                           the same batch with input.input_ids / input.attention_mask and the same outputs
    pt_names.txt           every tensor name, dtype and shape of the safetensors files
  --framework tf (tf_keras.utils.set_random_seed 0 for base models, 1 for classifiers)
    roberta_tf/            tf_model.h5           TFRobertaModel
    roberta_cls_tf/        tf_model.h5           TFRobertaForSequenceClassification, 3 labels
    distilbert_tf/         tf_model.h5           TFDistilBertModel
    distilbert_cls_tf/     tf_model.h5           TFDistilBertForSequenceClassification, 3 labels
    tf_names.txt           every HDF5 dataset path, dtype and shape of the tf_model.h5 files
  <dir>.reference.safetensors, one per directory above (the tokenised-text bundles are described above):
      inputs: input_ids, attention_mask (row 2 padded; RoBERTa pads with id 1, DistilBERT with 0);
              no token_type_ids (RoBERTa's type_vocab_size is 1, DistilBERT has none)
      base models: last_hidden_state, hidden_states.0..2, sentence_embedding (masked mean of
              last_hidden_state, L2-normalised), and pooler_output for RoBERTa
      classifiers: logits, and last_hidden_state of the encoder (model.roberta / model.distilbert)
      RoBERTa position ids are whatever the real model derives from input_ids (never given).

Each saved directory is reloaded with from_pretrained (same class) and its outputs compared with
the bundle; the script fails if any differs by more than 1e-6 or any weight is missing. The tokenizer
is written after the weights (model.safetensors and config.json do not change), reloaded with
AutoTokenizer and DistilBertTokenizer (vocab.txt only) and must give the same ids; the text bundles'
outputs come from DistilBertForSequenceClassification.from_pretrained of the directory.
"""
import argparse
import json
import os
import re
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "bert_family"))
PRODUCER = "Fixtures/references/generate_bert_family.py"
sys.path.insert(0, HERE)
from bundle import write_bundle  # noqa: E402

ROBERTA = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
               intermediate_size=37, max_position_embeddings=24 + 2,  # positions start at pad + 1 = 2
               type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_act="gelu",
               layer_norm_eps=1e-5, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
DISTILBERT = dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=24,
                  activation="gelu", dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0,
                  sinusoidal_pos_embds=False, pad_token_id=0)

# RoBERTa: <s> = 0, </s> = 2, <pad> = 1; row 1 is a pair (</s></s> between the segments).
ROBERTA_IDS = np.array([
    [0, 45, 17, 88, 9, 61, 33, 12, 2],
    [0, 5, 77, 2, 2, 41, 98, 23, 2],
    [0, 14, 60, 29, 2, 1, 1, 1, 1],
], dtype=np.int64)
# DistilBERT: the BERT fixtures' ids ([CLS] = 2, [SEP] = 3, pad 0).
DISTILBERT_IDS = np.array([
    [2, 45, 17, 88, 9, 61, 33, 12, 3],
    [2, 5, 77, 3, 41, 98, 23, 7, 3],
    [2, 14, 60, 29, 3, 0, 0, 0, 0],
], dtype=np.int64)
MASK = np.array([[1] * 9, [1] * 9, [1] * 5 + [0] * 4], dtype=np.int64)
INPUTS = {"roberta": ROBERTA_IDS, "distilbert": DISTILBERT_IDS}

# The WordPiece vocabulary of distilbert_cls_pt's tokenizer: exactly vocab_size (99) entries, the
# special tokens at BERT's fixture ids ([CLS] 2, [SEP] 3 as in DISTILBERT_IDS, [PAD] 0 = pad_token_id).
# No single letters but "i" and "a", so a word with no known prefix ("boring") becomes [UNK].
TOKENIZER_DIR = "distilbert_cls_pt"
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?",
          "##s", "##ing", "##ed", "##er", "##ly", "##est", "##ness", "##able"]
         + """i a the an and or but not is was are were be been it this that these of to in on at
         for with from by as between love like hate move moves movie film book weight transform
         framework model models token text word sentence good bad great fine very so we you they he she
         do does did have has had go make see look use work run play read write say think know want
         need feel help show keep""".split())
# Three sentences for the tokenised-text bundles; the second is the shortest (padded), "transformers"
# and "weights"/"frameworks" split into ## pieces, "boring" is [UNK].
TEXT_SENTENCES = ["I love transformers.", "the movie was boring", "weights move between frameworks!"]

# (directory, kind, classifier?, seed, weights file)
TORCH_MODELS = [
    ("roberta_pt", "roberta", False, 0, "model.safetensors"),
    ("roberta_cls_pt", "roberta", True, 1, "model.safetensors"),
    ("distilbert_pt", "distilbert", False, 0, "model.safetensors"),
    ("distilbert_cls_pt", "distilbert", True, 1, "model.safetensors"),
]
TF_MODELS = [
    ("roberta_tf", "roberta", False, 0),
    ("roberta_cls_tf", "roberta", True, 1),
    ("distilbert_tf", "distilbert", False, 0),
    ("distilbert_cls_tf", "distilbert", True, 1),
]
TOLERANCE = 1e-6


def config(kind, cls):
    """The tiny config of `kind` (3 labels for a classifier), the same for both frameworks."""
    from transformers import DistilBertConfig, RobertaConfig
    extra = {"num_labels": 3} if cls else {}
    return RobertaConfig(**ROBERTA, **extra) if kind == "roberta" else DistilBertConfig(**DISTILBERT, **extra)


def fresh_dir(name):
    path = os.path.join(OUT, name)
    if os.path.isdir(path):
        shutil.rmtree(path)
    return path


def np_sentence_embedding(last, mask):
    """generate_torch.py's sentence_embedding in numpy (float32): masked mean, then x / max(|x|, 1e-12)."""
    m = mask[..., None].astype(last.dtype)
    mean = (last * m).sum(1) / np.maximum(m.sum(1), np.float32(1e-9))
    norm = np.sqrt((mean * mean).sum(1, keepdims=True))
    return mean / np.maximum(norm, np.float32(1e-12))


def compare(name, expected_path, outputs):
    from safetensors.numpy import load_file
    bundle = load_file(expected_path)
    worst = 0.0
    names = sorted(k[len("output."):] for k in bundle if k.startswith("output."))
    if sorted(outputs) != names:
        raise SystemExit(f"{name}: reloaded outputs {sorted(outputs)} != bundle outputs {names}")
    for k in names:
        a, b = bundle["output." + k], np.asarray(outputs[k], dtype=np.float32)
        if a.shape != b.shape:
            raise SystemExit(f"{name}: {k} shape {b.shape} != bundle {a.shape}")
        worst = max(worst, float(np.max(np.abs(a - b))))
    print(f"  reload check {name}: max |reloaded - bundle| = {worst:.3g} over {len(names)} outputs")
    if not worst <= TOLERANCE:
        raise SystemExit(f"{name}: reloaded outputs differ from the bundle by {worst}")


def describe_bundle(path):
    from safetensors import safe_open
    with safe_open(path, "np") as f:
        meta = f.metadata()
        print(f"  {os.path.basename(path)}")
        for k in f.keys():
            t = f.get_tensor(k)
            print(f"    {k:32s} {str(t.dtype):8s} {list(t.shape)}")
            if t.dtype.kind == "f" and not np.all(np.isfinite(t)):
                raise SystemExit(f"{path}: {k} has non-finite values")
        print(f"    metadata: {meta}")


# ---- PyTorch ------------------------------------------------------------------------------------

def torch_main():
    import torch
    import transformers
    from safetensors import safe_open
    from transformers import (DistilBertForSequenceClassification, DistilBertModel, RobertaForSequenceClassification,
                              RobertaModel)
    framework = f"torch {torch.__version__} / transformers {transformers.__version__}"
    classes = {("roberta", False): RobertaModel, ("roberta", True): RobertaForSequenceClassification,
               ("distilbert", False): DistilBertModel, ("distilbert", True): DistilBertForSequenceClassification}

    def sentence_embedding(last, mask):  # exactly generate_torch.py's helper
        m = mask.unsqueeze(-1).to(last.dtype)
        mean = (last * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2, dim=1)

    def outputs(model, kind, cls):
        model.eval()
        ids, mask = torch.from_numpy(INPUTS[kind]), torch.from_numpy(MASK)
        with torch.no_grad():
            if cls:
                r = model(input_ids=ids, attention_mask=mask)
                base = getattr(model, kind)(input_ids=ids, attention_mask=mask)
                return {"logits": r.logits.numpy(), "last_hidden_state": base.last_hidden_state.numpy()}
            r = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            out = {"last_hidden_state": r.last_hidden_state.numpy(),
                   "sentence_embedding": sentence_embedding(r.last_hidden_state, mask).numpy()}
            if kind == "roberta":
                out["pooler_output"] = r.pooler_output.numpy()
            for i, h in enumerate(r.hidden_states):
                out[f"hidden_states.{i}"] = h.numpy()
            return out

    os.makedirs(OUT, exist_ok=True)
    written = []  # (directory, kind, cls, class, seed, weights file)
    for name, kind, cls, seed, _ in TORCH_MODELS:
        torch.manual_seed(seed)
        model = classes[(kind, cls)](config(kind, cls))
        model.eval()
        with torch.no_grad():  # see generate_torch.py: std-0.02 weights hide numerical conventions
            for p in model.parameters():
                if p.dim() == 2:
                    p.mul_(20.0)
        targets = [(name, "model.safetensors", True)]
        if cls:
            targets.append((name.replace("_pt", "_bin"), "pytorch_model.bin", False))
        out = outputs(model, kind, cls)
        for dirname, weights, safe in targets:
            model.save_pretrained(fresh_dir(dirname), safe_serialization=safe)
            files = sorted(os.listdir(os.path.join(OUT, dirname)))
            if files != sorted(["config.json", weights]):
                raise SystemExit(f"{dirname}: save_pretrained wrote {files}")
            write_bundle(os.path.join(OUT, dirname + ".reference.safetensors"),
                         {"input_ids": INPUTS[kind], "attention_mask": MASK}, out,
                         {"model.kind": kind,
                          "model": f"Fixtures/bert_family/{dirname}/{weights} ({type(model).__name__}, random init, "
                                   f"seed {seed}, 2-D parameters x20)",
                          "framework": framework, "producer": PRODUCER,
                          "attn_implementation": model.config._attn_implementation})
            written.append((dirname, kind, cls, classes[(kind, cls)], weights))

    print("bundles:")
    for dirname, *_ in written:
        describe_bundle(os.path.join(OUT, dirname + ".reference.safetensors"))
    print("reloads:")
    for dirname, kind, cls, klass, weights in written:
        model, info = klass.from_pretrained(os.path.join(OUT, dirname), output_loading_info=True)
        problems = {k: v for k, v in info.items() if v}
        if problems:
            raise SystemExit(f"{dirname}: loading info {problems}")
        compare(dirname, os.path.join(OUT, dirname + ".reference.safetensors"), outputs(model, kind, cls))

    torch_text_fixture(framework)

    # The names the Swift side maps: every tensor of each safetensors file, and whether the .bin
    # files hold exactly the same tensors.
    lines = [f"# Tensor names in the PyTorch fixtures ({framework}), written by {PRODUCER}.",
             "# name  dtype  shape, in the file's (sorted) order"]
    for name, *_ in [m for m in TORCH_MODELS if m[2]] + [m for m in TORCH_MODELS if not m[2]]:
        path = os.path.join(OUT, name, "model.safetensors")
        with safe_open(path, "pt") as f:
            keys = list(f.keys())
            lines += ["", f"## {name}/model.safetensors ({len(keys)} tensors, metadata {f.metadata()})"]
            lines += [f"{k}  {str(f.get_slice(k).get_dtype())}  {list(f.get_slice(k).get_shape())}" for k in keys]
            st = {k: f.get_tensor(k) for k in keys}
        bin_dir = name.replace("_pt", "_bin")
        if os.path.isdir(os.path.join(OUT, bin_dir)):
            sd = torch.load(os.path.join(OUT, bin_dir, "pytorch_model.bin"), map_location="cpu", weights_only=True)
            same = sorted(sd) == sorted(st) and all(torch.equal(sd[k], st[k]) for k in st)
            lines.append(f"# {bin_dir}/pytorch_model.bin: {len(sd)} tensors, "
                         f"{'same names and values as' if same else 'DIFFERS from'} {name}/model.safetensors")
            if not same:
                lines.append(f"#   only in .bin: {sorted(set(sd) - set(st))}; only in safetensors: {sorted(set(st) - set(sd))}")
    with open(os.path.join(OUT, "pt_names.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.join(OUT, 'pt_names.txt')}")


def torch_text_fixture(framework):
    """A real WordPiece tokenizer saved beside distilbert_cls_pt's weights, and the classifier's
    outputs for TEXT_SENTENCES tokenised by it: once as text only (input.text), once as ids."""
    import tempfile

    import torch
    import transformers
    from transformers import AutoTokenizer, DistilBertForSequenceClassification, DistilBertTokenizer

    directory = os.path.join(OUT, TOKENIZER_DIR)
    if len(VOCAB) != DISTILBERT["vocab_size"] or len(set(VOCAB)) != len(VOCAB):
        raise SystemExit(f"VOCAB has {len(VOCAB)} entries ({len(set(VOCAB))} distinct), "
                         f"expected {DISTILBERT['vocab_size']} distinct")
    before = sorted(os.listdir(directory))
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = os.path.join(tmp, "vocab.txt")
        with open(vocab_file, "w") as f:
            f.write("\n".join(VOCAB) + "\n")
        kwargs = dict(vocab_file=vocab_file, do_lower_case=True, model_max_length=DISTILBERT["max_position_embeddings"])
        try:
            from transformers import DistilBertTokenizerFast
            tok = DistilBertTokenizerFast(**kwargs)
        except Exception as e:  # no tokenizers backend: the slow tokenizer writes no tokenizer.json
            print(f"  DistilBertTokenizerFast failed ({e!r}); using DistilBertTokenizer")
            tok = DistilBertTokenizer(**kwargs)
        tok.save_pretrained(directory)
    added = sorted(set(os.listdir(directory)) - set(before))
    print(f"tokenizer: {type(tok).__name__} saved into Fixtures/bert_family/{TOKENIZER_DIR}/: {added}")

    config = transformers.AutoConfig.from_pretrained(directory)
    specials = {"pad": (tok.pad_token, tok.pad_token_id, 0), "unk": (tok.unk_token, tok.unk_token_id, 1),
                "cls": (tok.cls_token, tok.cls_token_id, 2), "sep": (tok.sep_token, tok.sep_token_id, 3),
                "mask": (tok.mask_token, tok.mask_token_id, 4)}
    for role, (token, got, want) in specials.items():
        if got != want:
            raise SystemExit(f"tokenizer: {role} token {token} has id {got}, expected {want}")
    if config.pad_token_id != tok.pad_token_id or len(tok) != config.vocab_size:
        raise SystemExit(f"tokenizer: pad {tok.pad_token_id} / size {len(tok)} vs config pad_token_id "
                         f"{config.pad_token_id} / vocab_size {config.vocab_size}")

    call = dict(padding=True, truncation=True, max_length=24)
    enc = tok(TEXT_SENTENCES, return_tensors="pt", **call)
    if sorted(enc) != ["attention_mask", "input_ids"]:
        raise SystemExit(f"tokenizer: unexpected encoding keys {sorted(enc)}")
    ids, mask = enc["input_ids"].numpy().astype(np.int64), enc["attention_mask"].numpy().astype(np.int64)
    tokens = [tok.convert_ids_to_tokens(row[m == 1].tolist()) for row, m in zip(ids, mask)]
    print(f"  batch {list(ids.shape)} ({json.dumps(call)}):")
    for text, row, m, t in zip(TEXT_SENTENCES, ids, mask, tokens):
        print(f"    {text!r}\n      ids  {row.tolist()}\n      mask {m.tolist()}\n      tokens {t}")
    flat = [x for t in tokens for x in t]
    if "[UNK]" not in flat or not any(x.startswith("##") for x in flat) or mask.all():
        raise SystemExit("tokenizer: the batch should have an [UNK], a ## piece and a padded row")

    for klass in (AutoTokenizer, DistilBertTokenizer):
        again = klass.from_pretrained(directory)(TEXT_SENTENCES, return_tensors="np", **call)
        same = np.array_equal(again["input_ids"], ids) and np.array_equal(again["attention_mask"], mask)
        print(f"  reload check {klass.__name__}.from_pretrained -> {type(klass.from_pretrained(directory)).__name__}: "
              f"{'same ids and mask' if same else 'DIFFERENT ids'}")
        if not same:
            raise SystemExit(f"tokenizer: {klass.__name__} reload gives {again['input_ids'].tolist()}")

    model, info = DistilBertForSequenceClassification.from_pretrained(directory, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        raise SystemExit(f"{TOKENIZER_DIR}: loading info {problems}")
    model.eval()
    with torch.no_grad():
        t_ids, t_mask = torch.from_numpy(ids), torch.from_numpy(mask)
        out = {"logits": model(input_ids=t_ids, attention_mask=t_mask).logits.numpy(),
               "last_hidden_state": model.distilbert(input_ids=t_ids, attention_mask=t_mask).last_hidden_state.numpy()}
    meta = {"model.kind": "distilbert",
            "model": f"Fixtures/bert_family/{TOKENIZER_DIR}/model.safetensors (DistilBertForSequenceClassification, "
                     "random init, seed 1, 2-D parameters x20)",
            "tokenizer": f"Fixtures/bert_family/{TOKENIZER_DIR}/ ({type(tok).__name__}, {len(VOCAB)}-entry WordPiece "
                         f"vocab, do_lower_case), called with {json.dumps(call)}",
            "framework": framework, "producer": PRODUCER, "attn_implementation": model.config._attn_implementation,
            "tokenized.input_ids": json.dumps(ids.tolist()), "tokenized.attention_mask": json.dumps(mask.tolist()),
            "tokenized.tokens": json.dumps(tokens)}
    text_path = os.path.join(OUT, TOKENIZER_DIR + ".text.reference.safetensors")
    ids_path = os.path.join(OUT, TOKENIZER_DIR + ".ids.reference.safetensors")
    write_bundle(text_path, {}, out, {**meta, "input.text": json.dumps(TEXT_SENTENCES)})
    write_bundle(ids_path, {"input_ids": ids, "attention_mask": mask}, out, meta)
    print("text bundles:")
    describe_bundle(text_path)
    describe_bundle(ids_path)


# ---- TensorFlow ---------------------------------------------------------------------------------

def tf_main():
    # As Fixtures/keras/generate.py runs its Hugging Face part: legacy Keras (tf_keras) for the
    # transformers TF classes, no GPU, quiet TensorFlow; set before TensorFlow is imported.
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    import h5py
    import tensorflow as tf
    import tf_keras
    import transformers
    from transformers import (TFDistilBertForSequenceClassification,
                              TFDistilBertModel, TFRobertaForSequenceClassification, TFRobertaModel)
    framework = f"tensorflow {tf.__version__} / transformers {transformers.__version__}"
    classes = {("roberta", False): TFRobertaModel, ("roberta", True): TFRobertaForSequenceClassification,
               ("distilbert", False): TFDistilBertModel, ("distilbert", True): TFDistilBertForSequenceClassification}

    def outputs(model, kind, cls):
        ids, mask = tf.constant(INPUTS[kind]), tf.constant(MASK)
        if cls:
            r = model(input_ids=ids, attention_mask=mask, training=False)
            base = getattr(model, kind)(input_ids=ids, attention_mask=mask, training=False)
            return {"logits": r.logits.numpy(), "last_hidden_state": base.last_hidden_state.numpy()}
        r = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, training=False)
        last = r.last_hidden_state.numpy()
        out = {"last_hidden_state": last, "sentence_embedding": np_sentence_embedding(last, MASK)}
        if kind == "roberta":
            out["pooler_output"] = r.pooler_output.numpy()
        for i, h in enumerate(r.hidden_states):
            out[f"hidden_states.{i}"] = h.numpy()
        return out

    os.makedirs(OUT, exist_ok=True)
    # Build and save every model before any reload, so the saved names carry no "_1" suffix.
    for name, kind, cls, seed in TF_MODELS:
        # Python's, NumPy's and TensorFlow's seeds: tf_keras initializers without a seed draw one
        # from Python's random module, so tf.random.set_seed alone is not reproducible across runs.
        tf_keras.utils.set_random_seed(seed)
        model = classes[(kind, cls)](config(kind, cls))
        model(model.dummy_inputs)
        # Scale the matrices (std 0.02 at init) as Fixtures/keras/generate.py does for TFBert.
        model.set_weights([w * 20.0 if w.ndim >= 2 else w for w in model.get_weights()])
        out = outputs(model, kind, cls)
        for k, v in out.items():
            if not np.all(np.isfinite(v)):
                raise SystemExit(f"{name}: {k} is not finite")
        model.save_pretrained(fresh_dir(name))
        files = sorted(os.listdir(os.path.join(OUT, name)))
        if files != ["config.json", "tf_model.h5"]:
            raise SystemExit(f"{name}: save_pretrained wrote {files}")
        write_bundle(os.path.join(OUT, name + ".reference.safetensors"),
                     {"input_ids": INPUTS[kind], "attention_mask": MASK}, out,
                     {"model.kind": kind,
                      "model": f"Fixtures/bert_family/{name}/tf_model.h5 ({type(model).__name__}, random init, "
                               f"tf_keras.utils.set_random_seed({seed}), 2-D weights x20)",
                      "framework": framework, "producer": PRODUCER})

    print("bundles:")
    for name, *_ in TF_MODELS:
        describe_bundle(os.path.join(OUT, name + ".reference.safetensors"))
    print("reloads:")
    for name, kind, cls, _ in TF_MODELS:
        model, info = classes[(kind, cls)].from_pretrained(os.path.join(OUT, name), output_loading_info=True)
        # TFDistilBertForSequenceClassification's Dropout has no name, so Keras numbers it per process
        # ("dropout_29" saved, "dropout_59" on reload): a weightless group in layer_names, not a weight.
        unnamed = [k for v in info.values() for k in v if re.fullmatch(r"dropout_\d+", k)]
        if unnamed:
            print(f"  {name}: ignoring weightless auto-named layers in the loading info: {unnamed}")
        problems = {k: [x for x in v if x not in unnamed] for k, v in info.items()}
        problems = {k: v for k, v in problems.items() if v}
        if problems:
            raise SystemExit(f"{name}: loading info {problems}")
        compare(name, os.path.join(OUT, name + ".reference.safetensors"), outputs(model, kind, cls))

    lines = [f"# HDF5 datasets in the TensorFlow fixtures ({framework}, tf_keras h5 via save_pretrained),",
             f"# written by {PRODUCER}. Per file: the root attributes, each top-level group's weight_names",
             "# count, then every dataset path (h5py visit order, sorted)  dtype  shape"]
    for name, *_ in [m for m in TF_MODELS if m[2]] + [m for m in TF_MODELS if not m[2]]:
        with h5py.File(os.path.join(OUT, name, "tf_model.h5"), "r") as f:
            datasets = []
            f.visititems(lambda p, o: datasets.append((p, o)) if isinstance(o, h5py.Dataset) else None)
            dec = lambda v: [x.decode() if isinstance(x, bytes) else str(x) for x in v]  # noqa: E731
            attrs = {k: (dec(v) if k == "layer_names" else (v.decode() if isinstance(v, bytes) else v))
                     for k, v in f.attrs.items()}
            lines += ["", f"## {name}/tf_model.h5 ({len(datasets)} datasets)", f"# root attrs: {attrs}"]
            for layer in attrs.get("layer_names", []):
                w = dec(f[layer].attrs["weight_names"])
                same = sorted(w) == sorted(p[len(layer) + 1:] for p, _ in datasets if p.startswith(layer + "/"))
                lines.append(f"# group {layer}: weight_names has {len(w)} entries"
                             f"{', the same set as its datasets' if same else ' DIFFERENT from its datasets'}")
            lines += [f"{p}  {o.dtype}  {list(o.shape)}" for p, o in datasets]
    with open(os.path.join(OUT, "tf_names.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.join(OUT, 'tf_names.txt')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=("torch", "tf"), required=True)
    args = parser.parse_args()
    torch_main() if args.framework == "torch" else tf_main()


if __name__ == "__main__":
    main()
