#!/usr/bin/env python3
"""The notebook's text classifier as the notebook builds it — TextVectorization first, adapted on
text, then the Keras documentation's TokenAndPositionEmbedding / TransformerBlock / pooling / two
Dense layers (Fixtures/references/textclf_definition.py) — saved by the real Keras, with what Keras
computes from strings. Versions pinned in Fixtures/requirements-keras.txt:

    $(bash Scripts/python-env.sh Fixtures/requirements-keras.txt) Fixtures/keras/generate_vectorizer.py [modes|h5]

Outputs under Fixtures/keras/vectorizer/:
  train.txt                       the committed corpus the vectorizers are adapted on (and trained on)
  textclf_vec_k3.keras            Keras 3 (an explicit string Input before the vectorizer)
  textclf_vec_k2.keras            tf_keras 2.21 .keras
  textclf_vec_k2_savedmodel/      tf_keras model.save(dir) — the TF2-era default SavedModel
  textclf_vec_k2_vocab.h5         tf_keras legacy .h5 of a model whose vectorizer was given its
                                  vocabulary in the constructor (an adapted one cannot be saved to .h5)
  *.reference.safetensors         model.predict on strings: input.text, input.token_ids (the ids the
                                  vectorizer made) and the outputs of every stage
  corpus.json                     2,000+ lines (case, ASCII and Unicode punctuation, accents in NFC and
                                  NFD, digits, apostrophes, hyphens, emoji, CJK, tabs, empty and long
                                  lines) and the ids each Keras' vectorizer gives them
  tiny_adapted_k3.h5              Keras 3's legacy .h5 of a small model with an adapted vectorizer:
                                  saved without its vocabulary
  modes.json                      the other settings (standardize lower / strip_punctuation / None,
                                  character and no split, bigrams, a short output_sequence_length, a
                                  small max_tokens) adapted on train.txt: vocabularies and ids (trailing
                                  padding zeros left out) of the first 300 corpus lines
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vectorizer")
WORDS = ("world sports business science technology market game team win loss price stock company "
         "research space league season shares profit election government player coach study data "
         "launch orbit phone software chip bank rates trade oil final cup match record deal").split()
LABELS = ["World", "Sports", "Business", "Sci/Tech"]


def train_corpus():
    import numpy as np
    rng = np.random.default_rng(11)
    lines, labels = [], []
    # Words as news text has them: cased, with accents (NFC and NFD), apostrophes, hyphens, digits,
    # Unicode punctuation, CJK and emoji, so the vocabulary holds what standardisation keeps.
    odd = ["Café", "cafe\u0301", "naïve", "don’t", "won't", "state-of-the-art", "U.S.", "2nd", "1,200", "Straße",
           "İstanbul", "ΣΑΣ", "日本語", "中文", "👍", "e-mail", "O'Neil", "“quoted”", "—", "…", "¿Qué?", "Ⅻ", "ﬁne"]
    for i in range(240):
        label = i % 4
        n = int(rng.integers(5, 30))
        words = [WORDS[int(rng.integers(len(WORDS)))] + ("" if rng.random() < 0.85 else rng.choice(["s", "ing", "ed"]))
                 if rng.random() < 0.85 else odd[int(rng.integers(len(odd)))] for _ in range(n)]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + rng.choice([".", "!", "?", ",", ""]))
        labels.append(label)
    return lines, labels


def corpus_lines(train):
    import numpy as np
    lines = ["I love transformers.", "", "   ", "\ttabs\tand\nnewlines", "CAFÉ café cafe\u0301", "don't don’t",
             "“quoted” ‘single’ — – … ·", "state-of-the-art e-mail", "1,234.56 2nd 3rd 42", "emoji 👍🏽 ❤️ 👨‍👩‍👧",
             "中文字符 日本語 한국어", "Straße İstanbul ΣΑΣ", "non\u00a0breaking ideographic\u3000space line\u2028sep",
             "zero\u200bwidth soft\u00adhyphen", "[UNK] [unk] <pad>", "ﬁne ＦＵＬＬ", "a.b-c/d:e;f<g=h>i?j@k[l\\m]n^o_p`q{r|s}t~u",
             " ".join(WORDS) * 3, "WORLD Sports bUsInEsS", "x" * 300]
    rng = np.random.default_rng(23)
    extra = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["’", "“", "”", "—", "–", "…", "«", "»", "¿", "¡", "·",
                                                           "é", "e\u0301", "É", "ß", "ñ", "ü", "ø", "\t", "\u00a0",
                                                           "\u3000", "👍", "中", "٣", "½", "Ⅻ", "ﬁ", "İ"]
    while len(lines) < 2000:
        parts = []
        for _ in range(int(rng.integers(1, 16))):
            r = rng.random()
            if r < 0.6:
                w = WORDS[int(rng.integers(len(WORDS)))]
                parts.append(w.upper() if rng.random() < 0.2 else w.capitalize() if rng.random() < 0.3 else w)
            elif r < 0.9:
                parts.append(extra[int(rng.integers(len(extra)))])
            else:
                parts.append(train[int(rng.integers(len(train)))][:80])
            parts.append(" " if rng.random() < 0.7 else "")
        lines.append("".join(parts))
    return lines


PROGRAM = r'''
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
which, out, here = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ["WEIGHTKIT_KERAS"] = "tf_keras" if which in ("k2", "modes_k2") else "keras"
import numpy as np
import tensorflow as tf
definition = os.path.join(here, "..", "references", "textclf_definition.py")
ns = {"__name__": "textclf"}
exec(compile(open(definition).read(), definition, "exec"), ns)
keras, layers = ns["keras"], ns["layers"]
sys.path.insert(0, os.path.join(here, "..", "references"))
from bundle import write_bundle
keras.utils.set_random_seed(4)
data = json.load(open(os.path.join(out, "inputs.json"), encoding="utf-8"))
train, labels, corpus = data["train"], data["labels"], data["corpus"]
VOCAB, MAXLEN = ns["VOCAB"], ns["MAXLEN"]

def classifier(vectorize):
    inputs = layers.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    x = ns["TokenAndPositionEmbedding"](MAXLEN, VOCAB, ns["EMBED"])(x)
    x = ns["TransformerBlock"](ns["EMBED"], ns["HEADS"], ns["FF"])(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(ns["HIDDEN"], activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    return keras.Model(inputs=inputs, outputs=layers.Dense(ns["CLASSES"], activation="softmax")(x))

if which == "h5_k3":
    # Keras 3 writes a legacy .h5 of a model with an adapted vectorizer, without its vocabulary.
    v = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    v.adapt(tf.constant(train[:20]))
    inputs = layers.Input(shape=(1,), dtype="string")
    x = layers.Embedding(20, 2)(v(inputs))
    m = keras.Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling1D()(x)))
    m.save(os.path.join(out, "tiny_adapted_k3.h5"))
    sys.exit(0)
if which.startswith("modes"):
    # Every standardize / split mode and n-grams, adapted on the same text, on the first 300 lines.
    out_modes = {}
    for name, kw in [("lower", dict(standardize="lower")), ("strip_punctuation", dict(standardize="strip_punctuation")),
                     ("none", dict(standardize=None)), ("character", dict(split="character", max_tokens=300)),
                     ("no_split", dict(split=None, max_tokens=300)), ("bigrams", dict(ngrams=2, max_tokens=500)),
                     ("short", dict(output_sequence_length=8)), ("max_tokens_50", dict(max_tokens=50))]:
        args = dict(max_tokens=VOCAB, output_sequence_length=MAXLEN)
        args.update(kw)
        v = layers.TextVectorization(**args)
        v.adapt(tf.constant(train))
        # As the model's Input(shape=(1,), dtype="string") feeds it: [batch, 1].
        ids = v(tf.constant(np.array(corpus[:300], dtype=object).reshape(-1, 1))).numpy()
        out_modes[name] = {"config": {k: (v2 if not callable(v2) else str(v2)) for k, v2 in v.get_config().items()
                                      if k in ("standardize", "split", "ngrams", "output_sequence_length", "max_tokens")},
                           "vocabulary": v.get_vocabulary(), "ids": [np.trim_zeros(np.atleast_1d(row), "b").tolist() for row in ids],
                           "ids_shape": list(ids.shape)}
    json.dump(out_modes, open(os.path.join(out, which + ".json"), "w", encoding="utf-8"), ensure_ascii=False)
    sys.exit(0)
vectorize = layers.TextVectorization(max_tokens=VOCAB, output_sequence_length=MAXLEN)
vectorize.adapt(tf.constant(train))
model = classifier(vectorize)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
x = tf.constant(np.array(train, dtype=object).reshape(-1, 1))
model.fit(x, np.array(labels), epochs=2, batch_size=32, verbose=0)
framework = ("tf_keras %s" if which == "k2" else "keras %s") % keras.__version__ + " / tensorflow " + tf.__version__

def copy_of(trained, vectorizer):
    """An uncompiled model with the trained weights (what is saved: no optimizer state)."""
    m = classifier(vectorizer)
    for src, dst in zip(trained.layers[2:], m.layers[2:]):
        dst.set_weights(src.get_weights())
    return m

trained = model
# The saved model: its own vectorizer, adapted on the same text (the same vocabulary), and the
# trained weights, uncompiled.
vectorize = layers.TextVectorization(max_tokens=VOCAB, output_sequence_length=MAXLEN)
vectorize.adapt(tf.constant(train))
model = copy_of(trained, vectorize)

def reference(m, name):
    texts = corpus[:4] + train[:2]
    names = {"token_ids": m.layers[1].output, "embedding": m.layers[2].output, "transformer_block": m.layers[3].output,
             "pooled": m.layers[4].output, "hidden": m.layers[6].output, "probabilities": m.output}
    probe = keras.Model(inputs=m.inputs, outputs=list(names.values()))
    values = dict(zip(names, probe.predict(tf.constant(np.array(texts, dtype=object).reshape(-1, 1)), verbose=0)))
    ids = values.pop("token_ids")
    write_bundle(os.path.join(out, name + ".reference.safetensors"), {"token_ids": ids}, values,
                 {"model.kind": "text-classifier", "model": "Fixtures/keras/vectorizer/" + name, "framework": framework,
                  "producer": "Fixtures/keras/generate_vectorizer.py",
                  "input.text": json.dumps(texts, ensure_ascii=False), "labels": ",".join(data["label_names"])})

ids = vectorize(tf.constant(corpus)).numpy()
result = {"framework": framework, "vocabulary_size": vectorize.vocabulary_size(),
          "ids": [[int(v) for v in row if v != 0] for row in ids]}
if which == "k3":
    model.save(os.path.join(out, "textclf_vec_k3.keras"))
    reference(model, "textclf_vec_k3")
else:
    model.save(os.path.join(out, "textclf_vec_k2.keras"))
    model.save(os.path.join(out, "textclf_vec_k2_savedmodel"), save_format="tf")
    reference(model, "textclf_vec_k2")
    # A vocabulary given to the constructor: the only kind a legacy .h5 keeps.
    fixed = layers.TextVectorization(max_tokens=VOCAB, output_sequence_length=MAXLEN,
                                     vocabulary=vectorize.get_vocabulary()[2:])
    m2 = copy_of(trained, fixed)
    m2.save(os.path.join(out, "textclf_vec_k2_vocab.h5"))
    reference(m2, "textclf_vec_k2_vocab")
json.dump(result, open(os.path.join(out, "ids_" + which + ".json"), "w"))
'''


def modes():
    """Only modes.json: the other standardize / split / n-gram settings on the committed corpus
    (the rest is not byte-stable across runs)."""
    corpus = json.load(open(os.path.join(OUT, "corpus.json"), encoding="utf-8"))["lines"]
    train = [line.split("\t", 1)[1] for line in open(os.path.join(OUT, "train.txt"), encoding="utf-8").read().splitlines()]
    inputs = os.path.join(OUT, "inputs.json")
    with open(inputs, "w", encoding="utf-8") as f:
        json.dump({"train": train, "labels": [], "corpus": corpus, "label_names": LABELS}, f, ensure_ascii=False)
    for which in ("modes_k3", "modes_k2"):
        subprocess.run([sys.executable, "-c", PROGRAM, which, OUT, HERE], check=True)
    k3 = json.load(open(os.path.join(OUT, "modes_k3.json"), encoding="utf-8"))
    k2 = json.load(open(os.path.join(OUT, "modes_k2.json"), encoding="utf-8"))
    with open(os.path.join(OUT, "modes.json"), "w", encoding="utf-8") as f:
        json.dump({"producer": "Fixtures/keras/generate_vectorizer.py modes", "lines": 300, "keras3": k3,
                   "tf_keras_same": {k: k2[k]["ids"] == k3[k]["ids"] for k in k3}}, f, ensure_ascii=False,
                  separators=(",", ":"))
        f.write("\n")
    for f in ("modes_k3.json", "modes_k2.json", "inputs.json"):
        os.remove(os.path.join(OUT, f))


def main():
    if sys.argv[1:] == ["modes"]:
        return modes()
    if sys.argv[1:] == ["h5"]:  # only tiny_adapted_k3.h5
        train = [line.split("\t", 1)[1] for line in open(os.path.join(OUT, "train.txt"), encoding="utf-8").read().splitlines()]
        with open(os.path.join(OUT, "inputs.json"), "w", encoding="utf-8") as f:
            json.dump({"train": train, "labels": [], "corpus": [], "label_names": LABELS}, f)
        subprocess.run([sys.executable, "-c", PROGRAM, "h5_k3", OUT, HERE], check=True)
        os.remove(os.path.join(OUT, "inputs.json"))
        return
    import shutil
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    train, labels = train_corpus()
    with open(os.path.join(OUT, "train.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{LABELS[y]}\t{t}\n" for t, y in zip(train, labels)))
    corpus = corpus_lines(train)
    inputs = os.path.join(OUT, "inputs.json")
    with open(inputs, "w", encoding="utf-8") as f:
        json.dump({"train": train, "labels": labels, "corpus": corpus, "label_names": LABELS}, f, ensure_ascii=False)
    for which in ("k3", "k2"):
        subprocess.run([sys.executable, "-c", PROGRAM, which, OUT, HERE], check=True)
    ids = {w: json.load(open(os.path.join(OUT, f"ids_{w}.json"))) for w in ("k3", "k2")}
    with open(os.path.join(OUT, "corpus.json"), "w", encoding="utf-8") as f:
        same = ids["k3"]["ids"] == ids["k2"]["ids"]
        json.dump({"producer": "Fixtures/keras/generate_vectorizer.py", "lines": corpus,
                   "keras3": ids["k3"], "tf_keras": {k: v for k, v in ids["k2"].items() if k != "ids" or not same},
                   "tf_keras_ids_same_as_keras3": same}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    for w in ("k3", "k2"):
        os.remove(os.path.join(OUT, f"ids_{w}.json"))
    os.remove(inputs)


if __name__ == "__main__":
    main()
