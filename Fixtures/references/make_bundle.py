#!/usr/bin/env python3
"""Makes a reference bundle (Schemas/reference-bundle.md) by running the ORIGINAL framework.

    make_bundle.py hf DIR OUT [--text T ...] [--hidden-states]          transformers, PyTorch (BertModel / task model)
    make_bundle.py hf-tf DIR OUT [--text T ...] [--hidden-states]       transformers, TensorFlow (tf_model.h5)
    make_bundle.py sentence-transformers DIR OUT --text T [--text T ...]  adds sentence_embedding
    make_bundle.py keras MODEL OUT --definition FILE.py [--build NAME] [--batch B] [--intermediates]
        MODEL: .keras / .h5 (custom layers from FILE.py) or .weights.h5 (FILE.py:NAME() builds the model)

Inputs: --text strings are tokenised by the model's own tokenizer (recorded under input.text);
without --text a fixed random batch with padding is used. Environments: Fixtures/requirements-torch.txt
(hf, sentence-transformers) and Fixtures/requirements-keras.txt (hf-tf, keras)."""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle import write_bundle  # noqa: E402


def random_batch(vocab, batch=3, seq=12):
    rng = np.random.default_rng(11)
    ids = rng.integers(5, vocab, size=(batch, seq)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[-1, seq // 2:] = 0
    ids[-1, seq // 2:] = 0
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def hf_inputs(args, directory, framework):
    if not args.text:
        from transformers import AutoConfig
        return random_batch(AutoConfig.from_pretrained(directory).vocab_size), None
    from transformers import AutoTokenizer
    enc = AutoTokenizer.from_pretrained(directory)(args.text, padding=True, return_tensors="np")
    return {k: v.astype(np.int64) for k, v in enc.items()}, json.dumps(args.text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["hf", "hf-tf", "sentence-transformers", "keras"])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--hidden-states", action="store_true")
    ap.add_argument("--definition")
    ap.add_argument("--build", default="build")
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--intermediates", action="store_true")
    args = ap.parse_args()
    meta = {"model": os.path.abspath(args.model), "producer": "Fixtures/references/make_bundle.py " + args.mode}

    if args.mode in ("hf", "sentence-transformers"):
        import torch
        import transformers
        from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification
        inputs, text = hf_inputs(args, args.model, "pt")
        cfg = AutoConfig.from_pretrained(args.model)
        task = any(a.endswith("ForSequenceClassification") for a in (cfg.architectures or []))
        model = (AutoModelForSequenceClassification if task else AutoModel).from_pretrained(args.model).eval()
        t = {k: torch.from_numpy(v) for k, v in inputs.items()}
        with torch.inference_mode():
            base = model.bert if task else model
            r = base(**t, output_hidden_states=args.hidden_states)
            outputs = {"last_hidden_state": r.last_hidden_state.numpy()}
            if getattr(r, "pooler_output", None) is not None:
                outputs["pooler_output"] = r.pooler_output.numpy()
            if args.hidden_states:
                outputs.update({f"hidden_states.{i}": h.numpy() for i, h in enumerate(r.hidden_states)})
            if task:
                outputs["logits"] = model(**t).logits.numpy()
        meta["framework"] = f"torch {torch.__version__} / transformers {transformers.__version__}"
        if args.mode == "sentence-transformers":
            if not args.text:
                sys.exit("sentence-transformers needs --text")
            import sentence_transformers
            from sentence_transformers import SentenceTransformer
            outputs["sentence_embedding"] = SentenceTransformer(args.model, device="cpu").encode(args.text, convert_to_numpy=True)
            meta["framework"] += f" / sentence-transformers {sentence_transformers.__version__}"
        if text:
            meta["input.text"] = text
        meta["model.kind"] = "bert"
        write_bundle(args.out, inputs, outputs, meta)
    elif args.mode == "hf-tf":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tensorflow as tf
        import transformers
        from transformers import AutoConfig, TFAutoModel, TFAutoModelForSequenceClassification
        inputs, text = hf_inputs(args, args.model, "tf")
        cfg = AutoConfig.from_pretrained(args.model)
        task = any(a.endswith("ForSequenceClassification") for a in (cfg.architectures or []))
        model = (TFAutoModelForSequenceClassification if task else TFAutoModel).from_pretrained(args.model)
        r = model(**inputs, output_hidden_states=args.hidden_states)
        outputs = {"logits": r.logits.numpy()} if task else {"last_hidden_state": r.last_hidden_state.numpy(), "pooler_output": r.pooler_output.numpy()}
        if args.hidden_states and not task:
            outputs.update({f"hidden_states.{i}": h.numpy() for i, h in enumerate(r.hidden_states)})
        meta.update({"framework": f"tensorflow {tf.__version__} / transformers {transformers.__version__}", "model.kind": "bert"})
        if text:
            meta["input.text"] = text
        write_bundle(args.out, inputs, outputs, meta)
    else:
        import keras
        if not args.definition:
            sys.exit("keras needs --definition FILE.py (the model's custom layers / build function)")
        spec = importlib.util.spec_from_file_location("definition", args.definition)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if args.model.endswith(".weights.h5"):
            model = getattr(mod, args.build)()
            model.load_weights(args.model)
        else:
            custom = {k: v for k, v in vars(mod).items() if isinstance(v, type)}
            model = keras.models.load_model(args.model, custom_objects=custom, compile=False)
        maxlen, vocab = model.inputs[0].shape[1], None
        rng = np.random.default_rng(7)
        ids = rng.integers(0, 1000, size=(args.batch, maxlen)).astype(np.int64)
        names = {"probabilities": model.output}
        if args.intermediates:
            names = {"embedding": model.layers[1].output, "transformer_block": model.layers[2].output,
                     "pooled": model.layers[3].output, "hidden": model.layers[5].output, "probabilities": model.output}
        values = keras.Model(model.inputs, list(names.values())).predict(ids, verbose=0)
        values = values if isinstance(values, list) else [values]
        meta.update({"framework": f"keras {keras.__version__}", "model.kind": "text-classifier"})
        write_bundle(args.out, {"token_ids": ids}, dict(zip(names, values)), meta)


if __name__ == "__main__":
    main()
