"""weightkit-reference KIND SOURCE OUT: runs SOURCE in its own framework and writes a reference bundle.

    weightkit-reference hf DIR OUT [--text T ...|--text-file F|--batch 4x32 --seed 0] [--hidden-states]
        transformers, PyTorch: a Hugging Face directory (BERT, RoBERTa, DistilBERT; base or
        *ForSequenceClassification)
    weightkit-reference hf-tf DIR OUT [...]                 the same through transformers' TensorFlow classes
    weightkit-reference sentence-transformers DIR OUT [...] adds sentence_embedding (its own pooling)
    weightkit-reference keras MODEL OUT --definition FILE.py [--build NAME] [--batch 3] [--intermediates]
        Keras 3 / tf_keras .keras, .h5 or .weights.h5 (custom layers or the build function from FILE.py)
    weightkit-reference tfhub ENCODER OUT [--preprocess DIR] [--text T ...|--batch 4x32 --seed 0]
        a TF-Hub / SavedModel BERT encoder through hub.KerasLayer, texts through its preprocessor

Exit codes: 0 written, 2 usage, 3 the framework is not installed (the message names the pip
extra), 4 the model does not load in its framework (its own message is quoted)."""
import argparse
import importlib
import importlib.util
import json
import os
import sys
import traceback

import numpy as np

from weightkit_reference.bundle import write_bundle

EXTRAS = {"hf": "torch", "sentence-transformers": "sentence-transformers", "hf-tf": "tensorflow", "keras": "keras",
          "tfhub": "tfhub"}


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def progress(message):
    print(f"weightkit-reference: {message}", file=sys.stderr, flush=True)


def need(kind, *modules):
    """Imports the framework modules, or fails naming the pip extra that provides them."""
    loaded = []
    for name in modules:
        try:
            loaded.append(importlib.import_module(name))
        except ImportError as e:
            extra = EXTRAS[kind]
            raise Failure(3, f"{kind} needs the Python package '{e.name or name}', which this Python "
                             f"({sys.executable}) does not have: pip install 'weightkit-reference[{extra}]' "
                             f"(from a WeightKit checkout: pip install './python[{extra}]'), or run with a Python that has it "
                             f"(weightkit verify --python PATH), or let WeightKit make one: "
                             f"weightkit verify --setup {extra}")
    return loaded


def load(what, source, fn):
    try:
        return fn()
    except Exception as e:  # the framework's own message, not a traceback
        lines = [l for l in traceback.format_exception_only(type(e), e) if l.strip()]
        raise Failure(4, f"{source} does not load with {what}: " + " ".join(l.strip() for l in lines)[:600])


def random_batch(vocab, pad, shape, seed, types):
    """Valid random ids: above the special tokens and the padding index; row 0 full length, the
    others padded to a random length of at least half; token type 1 in the second half."""
    b, s = shape
    rng = np.random.default_rng(seed)
    low = min(vocab - 1, max(3, pad + 1, 1000 if vocab > 2000 else 3))
    ids = rng.integers(low, vocab, size=(b, s)).astype(np.int64)
    mask = np.ones_like(ids)
    tt = np.zeros_like(ids)
    for r in range(1, b):
        length = int(rng.integers(max(1, s // 2), s + 1))
        ids[r, length:] = pad
        mask[r, length:] = 0
        if types:
            tt[r, length // 2:length] = 1
    if types:
        tt[0, s // 2:] = 1
    out = {"input_ids": ids, "attention_mask": mask}
    if types:
        out["token_type_ids"] = tt
    return out


def texts(args):
    t = list(args.text)
    if args.text_file:
        with open(args.text_file, encoding="utf-8") as f:
            t += [l.rstrip("\n") for l in f if l.strip()]
    return t


def parse_shape(v):
    try:
        b, s = (int(x) for x in v.lower().split("x"))
        assert b > 0 and s > 0
        return b, s
    except (ValueError, AssertionError):
        raise argparse.ArgumentTypeError(f"--batch {v}: BxS, e.g. 4x32")


def kind_of(config):
    t = getattr(config, "model_type", "bert")
    return {"xlm-roberta": "roberta", "camembert": "roberta"}.get(t, t)


def is_classifier(config):
    """A *ForSequenceClassification checkpoint (its logits are recorded too)."""
    return any(a.endswith("ForSequenceClassification") for a in (config.architectures or []))


def hf_inputs(args, source, config, tokenizer_cls):
    t = texts(args)
    types = kind_of(config) == "bert" and getattr(config, "type_vocab_size", 2) > 1
    if not t:
        pad = getattr(config, "pad_token_id", None) or 0
        return random_batch(config.vocab_size, pad, args.batch, args.seed, types), None
    tok = load("its tokenizer", source, lambda: tokenizer_cls.from_pretrained(source))
    enc = tok(t, padding=True, truncation=True, return_tensors="np")
    return {k: v.astype(np.int64) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}, t


def run_torch(args, meta):
    torch, transformers = need(args.kind, "torch", "transformers")
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer
    progress(f"loading {args.source} with transformers {transformers.__version__} (torch {torch.__version__})")
    config = load("transformers", args.source, lambda: AutoConfig.from_pretrained(args.source))
    task = is_classifier(config)
    cls = AutoModelForSequenceClassification if task else AutoModel
    model = load("transformers (PyTorch)", args.source, lambda: cls.from_pretrained(args.source).eval())
    inputs, text = hf_inputs(args, args.source, config, AutoTokenizer)
    progress(f"running {'×'.join(map(str, inputs['input_ids'].shape))} in PyTorch")
    t = {k: torch.from_numpy(v) for k, v in inputs.items()}
    with torch.inference_mode():
        base = model.base_model if task else model
        r = base(**t, output_hidden_states=args.hidden_states)
        outputs = {"last_hidden_state": r.last_hidden_state.numpy()}
        if getattr(r, "pooler_output", None) is not None:
            outputs["pooler_output"] = r.pooler_output.numpy()
        if args.hidden_states:
            outputs.update({f"hidden_states.{i}": h.numpy() for i, h in enumerate(r.hidden_states)})
        if task:
            outputs["logits"] = model(**t).logits.numpy()
    meta["framework"] = f"torch {torch.__version__} / transformers {transformers.__version__}"
    if args.kind == "sentence-transformers":
        (st,) = need(args.kind, "sentence_transformers")
        progress(f"sentence-transformers {st.__version__}: pooling as the model's modules.json says")
        m = load("sentence-transformers", args.source, lambda: st.SentenceTransformer(args.source, device="cpu"))
        if text is None:
            # Random ids: the model's own modules on them, as encode() would run them.
            features = {k: torch.from_numpy(v) for k, v in inputs.items()}
            with torch.inference_mode():
                outputs["sentence_embedding"] = m(features)["sentence_embedding"].numpy()
        else:
            outputs["sentence_embedding"] = m.encode(text, convert_to_numpy=True)
        meta["framework"] += f" / sentence-transformers {st.__version__}"
    meta["model.kind"] = kind_of(config)
    return inputs, outputs, text


def run_tf(args, meta):
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    tf, transformers = need(args.kind, "tensorflow", "transformers")
    from transformers import AutoConfig, AutoTokenizer, TFAutoModel, TFAutoModelForSequenceClassification
    progress(f"loading {args.source} with transformers {transformers.__version__} (tensorflow {tf.__version__})")
    config = load("transformers", args.source, lambda: AutoConfig.from_pretrained(args.source))
    task = is_classifier(config)
    cls = TFAutoModelForSequenceClassification if task else TFAutoModel
    model = load("transformers (TensorFlow)", args.source, lambda: cls.from_pretrained(args.source))
    inputs, text = hf_inputs(args, args.source, config, AutoTokenizer)
    progress(f"running {'×'.join(map(str, inputs['input_ids'].shape))} in TensorFlow")
    r = model(**inputs, output_hidden_states=args.hidden_states)
    if task:
        outputs = {"logits": r.logits.numpy()}
    else:
        outputs = {"last_hidden_state": r.last_hidden_state.numpy()}
        if getattr(r, "pooler_output", None) is not None:
            outputs["pooler_output"] = r.pooler_output.numpy()
    if args.hidden_states and getattr(r, "hidden_states", None) is not None:
        outputs.update({f"hidden_states.{i}": h.numpy() for i, h in enumerate(r.hidden_states)})
    meta.update({"framework": f"tensorflow {tf.__version__} / transformers {transformers.__version__}",
                 "model.kind": kind_of(config)})
    return inputs, outputs, text


def run_keras(args, meta):
    (keras,) = need(args.kind, "keras")
    if not args.definition:
        raise Failure(2, "keras needs --definition FILE.py (the model's custom layers / build function)")
    progress(f"loading {args.source} with keras {keras.__version__}")
    spec = importlib.util.spec_from_file_location("definition", args.definition)
    mod = importlib.util.module_from_spec(spec)
    load("its --definition", args.definition, lambda: spec.loader.exec_module(mod))
    if args.source.endswith(".weights.h5"):
        def build():
            m = getattr(mod, args.build)()
            m.load_weights(args.source)
            return m
        model = load("keras", args.source, build)
    else:
        custom = {k: v for k, v in vars(mod).items() if isinstance(v, type)}
        model = load("keras", args.source, lambda: keras.models.load_model(args.source, custom_objects=custom,
                                                                              compile=False))
    maxlen = model.inputs[0].shape[1]
    rng = np.random.default_rng(args.seed)
    ids = rng.integers(0, 1000, size=(args.batch[0], maxlen)).astype(np.int64)
    names = {"probabilities": model.output}
    if args.intermediates:
        names = {"embedding": model.layers[1].output, "transformer_block": model.layers[2].output,
                 "pooled": model.layers[3].output, "hidden": model.layers[5].output, "probabilities": model.output}
    progress(f"running {ids.shape[0]}×{maxlen} in Keras")
    values = keras.Model(model.inputs, list(names.values())).predict(ids, verbose=0)
    values = values if isinstance(values, list) else [values]
    meta.update({"framework": f"keras {keras.__version__}", "model.kind": "text-classifier"})
    return {"token_ids": ids}, dict(zip(names, values)), None


def run_tfhub(args, meta):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf, hub = need(args.kind, "tensorflow", "tensorflow_hub")
    progress(f"loading {args.source} with tensorflow_hub {hub.__version__} (tensorflow {tf.__version__})")
    encoder = load("hub.KerasLayer", args.source, lambda: hub.KerasLayer(args.source, trainable=False))
    framework = f"tensorflow {tf.__version__} / tensorflow_hub {hub.__version__}"
    t = texts(args)
    if t:
        if not args.preprocess:
            raise Failure(2, "tfhub with --text needs --preprocess DIR (the encoder's preprocessing SavedModel)")
        (text_ops,) = need(args.kind, "tensorflow_text")  # registers the preprocessor's ops
        pre = load("hub.KerasLayer", args.preprocess, lambda: hub.KerasLayer(args.preprocess))
        p = pre(tf.constant(t))
        inputs = {"input_ids": p["input_word_ids"].numpy(), "attention_mask": p["input_mask"].numpy(),
                  "token_type_ids": p["input_type_ids"].numpy()}
        framework += f" / tensorflow_text {text_ops.__version__}"
        meta["preprocess"] = os.path.abspath(args.preprocess)
    else:
        tables = [w for w in encoder.weights if "word_embeddings" in w.name]
        if not tables:
            raise Failure(4, f"{args.source}: no word_embeddings variable to take the vocabulary size from; "
                             "give --text and --preprocess")
        inputs = random_batch(int(tables[0].shape[0]), 0, args.batch, args.seed, True)
    progress(f"running {'×'.join(map(str, inputs['input_ids'].shape))} through hub.KerasLayer")
    r = encoder(dict(input_word_ids=inputs["input_ids"].astype(np.int32),
                     input_mask=inputs["attention_mask"].astype(np.int32),
                     input_type_ids=inputs["token_type_ids"].astype(np.int32)))
    outputs = {"sequence_output": r["sequence_output"].numpy(), "pooled_output": r["pooled_output"].numpy()}
    for i, h in enumerate(r.get("encoder_outputs", [])):
        outputs[f"encoder_outputs.{i}"] = h.numpy()
    meta.update({"framework": framework, "model.kind": "bert"})
    return inputs, outputs, t or None


def parser():
    ap = argparse.ArgumentParser(prog="weightkit-reference", description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=list(EXTRAS))
    ap.add_argument("source", help="the model as its framework loads it")
    ap.add_argument("out", help="the reference bundle to write (.safetensors)")
    ap.add_argument("--text", action="append", default=[], help="a text to tokenise with the model's tokenizer")
    ap.add_argument("--text-file", help="texts, one per line")
    ap.add_argument("--batch", type=parse_shape, default=(3, 12), help="random ids: BxS (default 3x12)")
    ap.add_argument("--seed", type=int, default=0, help="random ids: the seed")
    ap.add_argument("--hidden-states", action="store_true", help="also every layer's output (hidden_states.N)")
    ap.add_argument("--definition", help="keras: the Python file defining custom layers / the build function")
    ap.add_argument("--build", default="build", help="keras .weights.h5: the function in --definition that builds it")
    ap.add_argument("--intermediates", action="store_true", help="keras: embedding, block, pooled, hidden too")
    ap.add_argument("--preprocess", help="tfhub: the preprocessing SavedModel that tokenises --text")
    return ap


def main(argv=None, producer=None):
    args = parser().parse_args(argv)
    from weightkit_reference import __version__
    meta = {"model": os.path.abspath(args.source),
            "producer": producer or f"weightkit-reference {__version__} {args.kind}"}
    try:
        if not os.path.exists(args.source):
            raise Failure(4, f"{args.source}: no such file or directory")
        run = {"hf": run_torch, "sentence-transformers": run_torch, "hf-tf": run_tf, "keras": run_keras,
               "tfhub": run_tfhub}[args.kind]
        inputs, outputs, text = run(args, meta)
        if text:
            meta["input.text"] = json.dumps(text)
        write_bundle(args.out, inputs, outputs, meta)
        progress(f"wrote {args.out} ({', '.join(outputs)})")
    except Failure as f:
        print(f"weightkit-reference: error: {f}", file=sys.stderr)
        sys.exit(f.code)


if __name__ == "__main__":
    main()
