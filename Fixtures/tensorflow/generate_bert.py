#!/usr/bin/env python3
"""BERT as TensorFlow distributes it, written by the real tools (versions pinned in
Fixtures/requirements-tensorflow.txt), with what TensorFlow itself computes from the files:

    $(bash Scripts/python-env.sh Fixtures/requirements-tensorflow.txt) Fixtures/tensorflow/generate_bert.py [sliced|corpus]

One tiny BERT (L-2, H-32, A-4, I-64, P-128, T-2, a 64-token WordPiece vocabulary) is drawn once
and written every way a user meets it. Under Fixtures/tensorflow/:

  google_bert/            the original Google BERT release layout: bert_model.ckpt.{index,data-…},
                          checkpoint, bert_config.json, vocab.txt. Written with
                          tf.compat.v1.train.Saver from variables named exactly as
                          google-research/bert's modeling.py names them (bert/…, cls/predictions/…,
                          cls/seq_relationship/…).
  google_bert_train/      the same model as a training checkpoint: every variable's adam_m / adam_v
                          (google-research/bert optimization.py) and global_step.
  google_bert_classifier/ a run_classifier.py fine-tuned checkpoint: bert/… + output_weights [3, H] /
                          output_bias [3] (+ adam slots, global_step); no cls/.
  tf2_encoder/            the TF2 object checkpoint Model Garden's converter writes from google_bert
                          (tf2_bert_encoder_checkpoint_converter.convert_checkpoint,
                          checkpoint_model_name="encoder"): keys are object paths.
  tf2_pretrainer/         the same converter with converted_model="pretrainer": the word embedding is
                          stored once, as masked_lm/embedding_table.
  tf2_trained/            the encoder after one Adam step of tf_keras' new optimizer and of its legacy
                          one, saved with tf.train.Checkpoint: optimizer/_variables/N and
                          …/.OPTIMIZER_SLOT/… slot keys.
  hub_encoder/            the TF-Hub SavedModel export of tf2_encoder (export_tfhub_lib.export_model,
                          the tool that made the TF-Hub BERT encoders): saved_model.pb, variables/,
                          assets/vocab.txt, do_lower_case.
  hub_preprocess/         the matching TF-Hub preprocessor (export_tfhub_lib.export_preprocessing,
                          uncased, seq_length 128).
  hub_encoder.reference.safetensors       hub.KerasLayer(hub_encoder) on a fixed batch of ids:
                          sequence_output, pooled_output, encoder_outputs.N
  hub_encoder_text.reference.safetensors  hub.KerasLayer(hub_preprocess) then the encoder, on
                          sentences (ids as the preprocessor made them, and the sentences)
  google_bert_classifier.reference.safetensors  the fine-tuned head on the encoder's pooled output,
                          computed as run_classifier.py does (matmul(pooled, output_weights,
                          transpose_b=True) + output_bias)
  textclf_k2_tf/          the Keras documentation's text classifier (tf_keras 2.21) saved with
                          model.save_weights("…/ckpt") in TensorFlow format, and its reference.
  sliced/tf1_partitioned/ TF1 partitioned variables (fixed_size_partitioner, along rows and along columns)
  sliced/tf2_sharded/     a TF 2.21 save with MaxShardSizePolicy(40000): [64, 64] tensors cut into slices
                          across three shards
  sliced/many/            2,000 long, unshared names: an index of more than one block
  expected/preprocess_corpus.json  2,000 lines (hand-written cases, every code point of the blocks where
                          case folding, NFKC, accents, spaces and punctuation matter, random mixtures)
                          with tensorflow_text BasicTokenizer(lower_case=True)'s tokens and the
                          preprocessor's ids
  expected/*.json         per bundle: every key tf.train.list_variables reports with its dtype and
                          shape (and the SHA-256 of the values TensorFlow reads), and the object graph's full names (TF2 bundles).

Weights are drawn at 0.25 standard deviation (not BERT's 0.02), so that the references tell the
tanh and erf GELU apart.
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "references"))
from bundle import write_bundle  # noqa: E402

CONFIG = {
    "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 32,
    "initializer_range": 0.02, "intermediate_size": 64, "max_position_embeddings": 128, "num_attention_heads": 4,
    "num_hidden_layers": 2, "type_vocab_size": 2, "vocab_size": 64,
}
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
         + ["the", "a", "is", "this", "tiny", "bert", "test", "i", "love", "transform", "##ers", "hello", "world",
            "cafe", "strasse", "ss", "über", "uber", "naive", "na", "##ive", "don", "t", "s", "it", "was", "good",
            "bad", "movie", "great", "##s", "##ed", "and", "or", "not", "very", "fi", "##ne", "ok", "##ay", "x",
            "1", "2", "3", "##0"]
         + [".", ",", "!", "?", "'", "-", "(", ")", "\"", ":", ";", "…", "’", "##ing"])
assert len(VOCAB) == CONFIG["vocab_size"], len(VOCAB)
LABELS = 3
IDS = np.array([[2, 8, 7, 6, 9, 10, 11, 50, 3], [2, 17, 18, 3, 12, 13, 14, 15, 3], [2, 40, 41, 3, 0, 0, 0, 0, 0]],
               dtype=np.int32)
MASK = (IDS != 0).astype(np.int32)
TYPES = np.array([[0] * 9, [0] * 4 + [1] * 5, [0] * 9], dtype=np.int32)
SENTENCES = ["I love transformers.", "This is a TINY BERT test!", "Straße… CAFÉ? Über naïve, don’t",
             "it was very good", ""]


def tf1_values():
    """The Google BERT variables, by their modeling.py names, drawn once."""
    rng = np.random.default_rng(14)
    c = CONFIG
    h, inter, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]

    def m(*shape):
        return (rng.standard_normal(shape) * 0.25).astype(np.float32)

    def ln(name, out):
        out[name + "/gamma"] = (1 + rng.standard_normal(h) * 0.1).astype(np.float32)
        out[name + "/beta"] = (rng.standard_normal(h) * 0.1).astype(np.float32)

    out = {"bert/embeddings/word_embeddings": m(v, h),
           "bert/embeddings/token_type_embeddings": m(c["type_vocab_size"], h),
           "bert/embeddings/position_embeddings": m(c["max_position_embeddings"], h)}
    ln("bert/embeddings/LayerNorm", out)
    for i in range(c["num_hidden_layers"]):
        p = f"bert/encoder/layer_{i}/"
        for q in ("query", "key", "value"):
            out[p + f"attention/self/{q}/kernel"] = m(h, h)
            out[p + f"attention/self/{q}/bias"] = m(h) * 0.2
        out[p + "attention/output/dense/kernel"] = m(h, h)
        out[p + "attention/output/dense/bias"] = m(h) * 0.2
        ln(p + "attention/output/LayerNorm", out)
        out[p + "intermediate/dense/kernel"] = m(h, inter)
        out[p + "intermediate/dense/bias"] = m(inter) * 0.2
        out[p + "output/dense/kernel"] = m(inter, h)
        out[p + "output/dense/bias"] = m(h) * 0.2
        ln(p + "output/LayerNorm", out)
    out["bert/pooler/dense/kernel"] = m(h, h)
    out["bert/pooler/dense/bias"] = m(h) * 0.2
    out["cls/predictions/transform/dense/kernel"] = m(h, h)
    out["cls/predictions/transform/dense/bias"] = m(h) * 0.2
    ln("cls/predictions/transform/LayerNorm", out)
    out["cls/predictions/output_bias"] = m(v) * 0.2
    out["cls/seq_relationship/output_weights"] = m(2, h)
    out["cls/seq_relationship/output_bias"] = m(2) * 0.2
    return out


def save_tf1(directory, values, training=False):
    """tf.compat.v1.train.Saver over variables with exactly these names (+ adam slots, global_step)."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    rng = np.random.default_rng(1)
    g = tf.Graph()
    with g.as_default():
        v1 = tf.compat.v1
        for name, value in values.items():
            v1.get_variable(name, initializer=tf.constant(value))
            if training:  # AdamWeightDecayOptimizer's slots
                v1.get_variable(name + "/adam_m", initializer=tf.constant(rng.standard_normal(value.shape)
                                                                          .astype(np.float32) * 1e-3))
                v1.get_variable(name + "/adam_v", initializer=tf.constant(np.abs(rng.standard_normal(value.shape))
                                                                          .astype(np.float32) * 1e-6))
        if training:
            step = v1.train.get_or_create_global_step()
        with v1.Session(graph=g) as s:
            s.run(v1.global_variables_initializer())
            if training:
                s.run(step.assign(1000))
            v1.train.Saver().save(s, os.path.join(directory, "bert_model.ckpt"), write_meta_graph=False)
    with open(os.path.join(directory, "bert_config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(directory, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    return os.path.join(directory, "bert_model.ckpt")


def model_garden_config():
    from official.legacy.bert import configs
    return configs.BertConfig.from_dict(CONFIG)


def convert(prefix, directory, model):
    from official.nlp.tools import tf2_bert_encoder_checkpoint_converter as conv
    shutil.rmtree(directory, ignore_errors=True)
    conv.convert_checkpoint(model_garden_config(), os.path.join(directory, "bert_model.ckpt"), prefix,
                            checkpoint_model_name="encoder", converted_model=model)
    return tf.train.latest_checkpoint(directory)


def trained(tf2_prefix, directory):
    """The converted encoder restored, one step of each tf_keras Adam, saved as a TF2 checkpoint."""
    import tf_keras
    from official.nlp.tools import export_tfhub_lib
    shutil.rmtree(directory, ignore_errors=True)
    enc = export_tfhub_lib.get_bert_encoder(model_garden_config())
    tf.train.Checkpoint(encoder=enc).read(tf2_prefix).assert_existing_objects_matched()
    new, legacy = tf_keras.optimizers.Adam(1e-3), tf_keras.optimizers.legacy.Adam(1e-3)
    inputs = dict(input_word_ids=IDS, input_mask=MASK, input_type_ids=TYPES)
    half = len(enc.trainable_variables) // 2
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(enc(inputs)["pooled_output"])
    grads = tape.gradient(loss, enc.trainable_variables)
    pairs = list(zip(grads, enc.trainable_variables))
    new.apply_gradients(pairs[:half])
    legacy.apply_gradients(pairs[half:])
    tf.train.Checkpoint(encoder=enc, optimizer=new, legacy_optimizer=legacy).save(
        os.path.join(directory, "ckpt"))


def export_hub(tf2_prefix, vocab_file):
    from official.nlp.tools import export_tfhub_lib
    enc_dir, pre_dir = os.path.join(HERE, "hub_encoder"), os.path.join(HERE, "hub_preprocess")
    for d in (enc_dir, pre_dir):
        shutil.rmtree(d, ignore_errors=True)
    export_tfhub_lib.export_model(enc_dir, bert_config=model_garden_config(), model_checkpoint_path=tf2_prefix,
                                  with_mlm=False, vocab_file=vocab_file, do_lower_case=True)
    export_tfhub_lib.export_preprocessing(pre_dir, vocab_file=vocab_file, do_lower_case=True,
                                          tokenize_with_offsets=False, default_seq_length=128)
    return enc_dir, pre_dir


def outputs_of(result):
    out = {"sequence_output": result["sequence_output"].numpy(), "pooled_output": result["pooled_output"].numpy()}
    for i, h in enumerate(result["encoder_outputs"]):
        out[f"encoder_outputs.{i}"] = h.numpy()
    return out


def references(enc_dir, pre_dir, tf1):
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401  (registers the preprocessor's ops)
    framework = f"tensorflow {tf.__version__} / tensorflow_hub {hub.__version__} / tensorflow_text " \
                f"{tensorflow_text.__version__} / tf-models-official 2.20.0"
    encoder = hub.KerasLayer(enc_dir, trainable=False)
    r = encoder(dict(input_word_ids=IDS, input_mask=MASK, input_type_ids=TYPES))
    ids_inputs = {"input_ids": IDS, "attention_mask": MASK, "token_type_ids": TYPES}
    meta = {"model.kind": "bert", "framework": framework, "producer": "Fixtures/tensorflow/generate_bert.py",
            "activation": "gelu (Model Garden: tanh approximation)", "layer_norm_eps": "1e-12",
            "computed_by": "hub.KerasLayer(Fixtures/tensorflow/hub_encoder)"}
    write_bundle(os.path.join(HERE, "hub_encoder.reference.safetensors"), ids_inputs, outputs_of(r),
                 dict(meta, model="Fixtures/tensorflow/hub_encoder"))
    # The classifier head of run_classifier.py on the same encoder (google_bert_classifier shares its weights).
    logits = tf.matmul(r["pooled_output"], tf1["output_weights"], transpose_b=True) + tf1["output_bias"]
    cls = {"pooled_output": r["pooled_output"].numpy(), "logits": logits.numpy()}
    write_bundle(os.path.join(HERE, "google_bert_classifier.reference.safetensors"), ids_inputs, cls,
                 dict(meta, model="Fixtures/tensorflow/google_bert_classifier",
                      head="run_classifier.py: matmul(pooled_output, output_weights, transpose_b=True) + output_bias"))
    pre = hub.KerasLayer(pre_dir)
    p = pre(tf.constant(SENTENCES))
    ids = p["input_word_ids"].numpy()
    r = encoder(p)
    write_bundle(os.path.join(HERE, "hub_encoder_text.reference.safetensors"),
                 {"input_ids": ids, "attention_mask": p["input_mask"].numpy(),
                  "token_type_ids": p["input_type_ids"].numpy()}, outputs_of(r),
                 dict(meta, model="Fixtures/tensorflow/hub_encoder", preprocess="Fixtures/tensorflow/hub_preprocess",
                      **{"input.text": json.dumps(SENTENCES, ensure_ascii=False)}))
    return {s: [VOCAB[i] for i in row if i != 0] for s, row in zip(SENTENCES, ids)}


def text_classifier():
    """The Keras docs' classifier (the notebook's first model), tf_keras save_weights in TF format."""
    os.environ["WEIGHTKIT_KERAS"] = "tf_keras"
    definition = os.path.join(HERE, "..", "references", "textclf_definition.py")
    ns = {"__name__": "textclf"}
    exec(compile(open(definition).read(), definition, "exec"), ns)
    tf.random.set_seed(2)
    model = ns["build"]()
    rng = np.random.default_rng(0)
    x = rng.integers(0, ns["VOCAB"], size=(8, ns["MAXLEN"]))
    y = rng.integers(0, ns["CLASSES"], size=(8,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    d = os.path.join(HERE, "textclf_k2_tf")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    model.save_weights(os.path.join(d, "ckpt"))  # TensorFlow format: no .h5 suffix
    ids = np.random.default_rng(7).integers(0, ns["VOCAB"], size=(3, ns["MAXLEN"])).astype(np.int64)
    ids[2, 40:] = 0
    import tf_keras
    names = {"embedding": model.layers[1].output, "transformer_block": model.layers[2].output,
             "pooled": model.layers[3].output, "hidden": model.layers[5].output, "probabilities": model.output}
    probe = tf_keras.Model(inputs=model.inputs, outputs=list(names.values()))
    values = dict(zip(names, probe.predict(ids, verbose=0)))
    write_bundle(os.path.join(HERE, "textclf_k2_tf.reference.safetensors"), {"token_ids": ids}, values,
                 {"model.kind": "text-classifier", "model": "Fixtures/tensorflow/textclf_k2_tf",
                  "framework": f"tf_keras {tf_keras.__version__} / tensorflow {tf.__version__}",
                  "producer": "Fixtures/tensorflow/generate_bert.py"})


def sliced():
    """Tensors stored in slices, both ways TensorFlow does it, and an index of more than one block."""
    out = os.path.join(HERE, "sliced")
    shutil.rmtree(out, ignore_errors=True)
    for d in ("tf1_partitioned", "tf2_sharded", "many"):
        os.makedirs(os.path.join(out, d))
    rng = np.random.default_rng(9)
    # TF1 partitioned variables (fixed_size_partitioner): one full entry + one entry per part.
    g = tf.Graph()
    with g.as_default():
        v1 = tf.compat.v1

        def part_of(full):  # each partition's initial value: its block of one drawn array
            def init(shape, dtype=None, partition_info=None):
                offset = partition_info.var_offset if partition_info else [0] * len(shape)
                return tf.constant(full[tuple(slice(o, o + n) for o, n in zip(offset, shape))])
            return init
        v1.get_variable("bert/embeddings/word_embeddings", shape=(10, 4), partitioner=v1.fixed_size_partitioner(3),
                        initializer=part_of(rng.standard_normal((10, 4)).astype(np.float32)))
        v1.get_variable("bert/encoder/layer_0/output/dense/kernel", shape=(6, 5),
                        partitioner=v1.fixed_size_partitioner(2, axis=1),
                        initializer=part_of(rng.standard_normal((6, 5)).astype(np.float32)))
        v1.get_variable("plain", initializer=np.arange(7, dtype=np.int32))
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, os.path.join(out, "tf1_partitioned", "model.ckpt"), write_meta_graph=False)
    # TF 2.21 sharded save: MaxShardSizePolicy cuts large tensors into slices across the shards.
    ckpt = tf.train.Checkpoint(**{f"v{i}": tf.Variable(rng.standard_normal((64, 64)).astype(np.float32))
                                  for i in range(6)}, small=tf.Variable(np.arange(3, dtype=np.float16)))
    policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=40000)
    ckpt.write(os.path.join(out, "tf2_sharded", "ckpt"),
               options=tf.train.CheckpointOptions(experimental_sharding_callback=policy))
    # 2,000 variables with long names that share no prefix: an index of more than one 256 KiB block.
    g = tf.Graph()
    with g.as_default():
        v1 = tf.compat.v1
        for i in range(2000):
            v1.get_variable(rng.bytes(60).hex() + f"/w{i}", initializer=np.float32(i))
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, os.path.join(out, "many", "model.ckpt"), write_meta_graph=False)
    return [(os.path.join(out, "tf1_partitioned", "model.ckpt"), "sliced_tf1_partitioned"),
            (os.path.join(out, "tf2_sharded", "ckpt"), "sliced_tf2_sharded"),
            (os.path.join(out, "many", "model.ckpt"), "many")]


def corpus_lines():
    """Lines that exercise what the uncased preprocessor does to text: hand-written cases, every
    code point of the blocks where case folding, NFKC, accents, whitespace and punctuation differ
    from plain lower-casing, and random mixtures of them."""
    lines = ["I love transformers.", "This is a TINY BERT test!", "Straße… CAFÉ? Über naïve, don’t", "", "   ",
             "\t\ttabs\tand\nnewlines\r\n", "non\u00a0breaking\u00a0space", "ideographic\u3000space",
             "line\u2028separator", "zero\u200bwidth", "soft\u00adhyphen", "joiner\u200dhere", "bom\ufeffin",
             "ﬁne ﬂow ﬀ", "ⅫⅣ ① ⑳ ㈱", "ＦＵＬＬ ｗｉｄｔｈ ｱｲｳ", "ΣΑΣ σας ς", "İstanbul ı I", "Ꭰ ꭰ ᏸ Ᏸ",
             "e\u0301 é (nfd vs nfc)", "ǅ ǈ ǋ", "[CLS] [SEP] [MASK] literal", "don't “quoted” ‘single’ — – … ·",
             "emoji 👍🏽 👨‍👩‍👧 ❤️", "中文字符 日本語 한국어", "x" * 120, "é" * 60, "control\x07bell\x1bescape",
             "replacement\ufffdchar", "tab\u000bvertical\u000cfeed", "mixed CAse WoRdS", "numbers 1,234.56 and 2nd",
             "a.b-c/d:e;f<g=h>i?j@k[l\\m]n^o_p`q{r|s}t~u", "ß ẞ ŉ ǰ ΐ", "µ ſ ͅ", "Å Å Å", "ﷺ ﷻ", "㍿ ㎏ ㏂",
             "𝐀𝐁𝐂 𝔞𝔟 𝟙𝟚", "\u0660\u0661 \u06f1", "ٱلْعَرَبِيَّة", "עִבְרִית", "ελληνικά ΆΈΉ", "русский ЁЙ"]
    blocks = [(0x20, 0x530), (0x1E00, 0x2000), (0x2000, 0x2190), (0x2460, 0x2500), (0x3000, 0x3040), (0x13A0, 0x1400),
              (0xAB70, 0xABC0), (0xFB00, 0xFB50), (0xFE30, 0xFE50), (0xFF00, 0xFFF0), (0x1D400, 0x1D500),
              (0x1F300, 0x1F340)]
    points = [c for a, b in blocks for c in range(a, b) if not (0xD800 <= c < 0xE000)]
    for i in range(0, len(points), 16):
        lines.append(" ".join(chr(c) + "a" for c in points[i:i + 16]))
    rng = np.random.default_rng(21)
    words = ["the", "bert", "test", "love", "transformers", "cafe", "strasse", "good", "movie", "naive"]
    while len(lines) < 2000:
        parts = []
        for _ in range(int(rng.integers(1, 10))):
            if rng.random() < 0.5:
                w = words[int(rng.integers(len(words)))]
                parts.append(w.upper() if rng.random() < 0.3 else w)
            else:
                parts.append("".join(chr(points[int(rng.integers(len(points)))]) for _ in range(int(rng.integers(1, 4)))))
            parts.append(" " if rng.random() < 0.8 else "")
        lines.append("".join(parts))
    return lines


def preprocess_corpus(pre_dir):
    """The corpus through tensorflow_text's BasicTokenizer(lower_case=True) (the preprocessor's own
    text normalisation and splitting) and through the preprocessor SavedModel (ids)."""
    import tensorflow_hub as hub
    import tensorflow_text as text
    lines = corpus_lines()
    from tensorflow_text.python.ops.bert_tokenizer import BasicTokenizer
    basic = BasicTokenizer(lower_case=True).tokenize(tf.constant(lines)).to_list()
    pre = hub.KerasLayer(pre_dir)
    ids = []
    for i in range(0, len(lines), 250):
        p = pre(tf.constant(lines[i:i + 250]))
        ids += [[int(x) for x in row if x != 0] for row in p["input_word_ids"].numpy()]
    # Pairs through the preprocessor's own tokenize and bert_pack_inputs(seq_length=16): its
    # round-robin truncation.
    loaded = tf.saved_model.load(pre_dir)
    rng = np.random.default_rng(5)
    pairs = [(lines[int(rng.integers(len(lines)))], lines[int(rng.integers(len(lines)))]) for _ in range(200)]
    packed = loaded.bert_pack_inputs([loaded.tokenize(tf.constant([a for a, _ in pairs])),
                                      loaded.tokenize(tf.constant([b for _, b in pairs]))], seq_length=16)
    pair_ids = [[int(x) for x in row if x != 0] for row in packed["input_word_ids"].numpy()]
    pair_types = [[int(t) for t, x in zip(trow, row) if x != 0] for trow, row in
                  zip(packed["input_type_ids"].numpy(), packed["input_word_ids"].numpy())]
    with open(os.path.join(HERE, "expected", "preprocess_corpus.json"), "w", encoding="utf-8") as f:
        json.dump({"producer": "Fixtures/tensorflow/generate_bert.py",
                   "pairs": [list(p) for p in pairs], "pair_ids": pair_ids, "pair_type_ids": pair_types,
                   "framework": f"tensorflow {tf.__version__} / tensorflow_text {text.__version__}",
                   "preprocessor": "Fixtures/tensorflow/hub_preprocess (seq_length 128)",
                   "lines": lines, "basic_tokens": [[t.decode("utf-8") for t in row] for row in basic], "ids": ids},
                  f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def expected(prefix, name):
    """What TensorFlow reports of a bundle: keys, dtypes, shapes and, for TF2, the full names."""
    reader = tf.train.load_checkpoint(prefix)
    dtypes, shapes = reader.get_variable_to_dtype_map(), reader.get_variable_to_shape_map()
    out = {"keys": {k: {"dtype": dtypes[k].name, "shape": list(shapes[k])} for k in sorted(shapes)}}
    import hashlib
    for k in sorted(shapes):
        if dtypes[k] != tf.string:
            out["keys"][k]["sha256"] = hashlib.sha256(np.ascontiguousarray(reader.get_tensor(k)).tobytes()).hexdigest()
    if "_CHECKPOINTABLE_OBJECT_GRAPH" in shapes:
        from tensorflow.core.protobuf import trackable_object_graph_pb2
        g = trackable_object_graph_pb2.TrackableObjectGraph()
        g.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
        out["full_names"] = {a.checkpoint_key: a.full_name for n in g.nodes for a in n.attributes}
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    with open(os.path.join(HERE, "expected", name + ".json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    if sys.argv[1:] == ["sliced"]:  # only the sliced bundles (the rest is not byte-stable across runs)
        for prefix, name in sliced():
            expected(prefix, name)
        return
    if sys.argv[1:] == ["corpus"]:  # only the preprocessor corpus, from the committed preprocessor
        preprocess_corpus(os.path.join(HERE, "hub_preprocess"))
        return
    values = tf1_values()
    release = save_tf1(os.path.join(HERE, "google_bert"), values)
    save_tf1(os.path.join(HERE, "google_bert_train"), values, training=True)
    rng = np.random.default_rng(3)
    head = {k: v for k, v in values.items() if k.startswith("bert/")}
    head["output_weights"] = (rng.standard_normal((LABELS, CONFIG["hidden_size"])) * 0.5).astype(np.float32)
    head["output_bias"] = (rng.standard_normal(LABELS) * 0.2).astype(np.float32)
    save_tf1(os.path.join(HERE, "google_bert_classifier"), head, training=True)
    encoder = convert(release, os.path.join(HERE, "tf2_encoder"), "encoder")
    pretrainer = convert(release, os.path.join(HERE, "tf2_pretrainer"), "pretrainer")
    trained(encoder, os.path.join(HERE, "tf2_trained"))
    enc_dir, pre_dir = export_hub(encoder, os.path.join(HERE, "google_bert", "vocab.txt"))
    tokens = references(enc_dir, pre_dir, head)
    preprocess_corpus(pre_dir)
    text_classifier()
    for prefix, name in [(release, "google_bert"), (os.path.join(HERE, "google_bert_train", "bert_model.ckpt"),
                                                   "google_bert_train"),
                         (os.path.join(HERE, "google_bert_classifier", "bert_model.ckpt"), "google_bert_classifier"),
                         (encoder, "tf2_encoder"), (pretrainer, "tf2_pretrainer"),
                         (tf.train.latest_checkpoint(os.path.join(HERE, "tf2_trained")), "tf2_trained"),
                         (os.path.join(enc_dir, "variables", "variables"), "hub_encoder"),
                         (os.path.join(HERE, "textclf_k2_tf", "ckpt"), "textclf_k2_tf")] + sliced():
        expected(prefix, name)
    with open(os.path.join(HERE, "expected", "hub_preprocess_tokens.json"), "w", encoding="utf-8") as f:
        json.dump(tokens, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
