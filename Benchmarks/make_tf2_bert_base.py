"""A bert-base-sized TF2 object checkpoint as Model Garden writes one: BertEncoder (L-12, H-768,
A-12, I-3072, V-30522) built by export_tfhub_lib.get_bert_encoder, randomly initialised, saved with
tf.train.Checkpoint(encoder=…) — the layout of the checkpoints TF-Hub's exporter restores.

    python Benchmarks/make_tf2_bert_base.py OUT_DIR    (Fixtures/requirements-tensorflow.txt)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
from official.legacy.bert import configs  # noqa: E402
from official.nlp.tools import export_tfhub_lib  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
cfg = configs.BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                         intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2)
enc = export_tfhub_lib.get_bert_encoder(cfg)
print(tf.train.Checkpoint(encoder=enc).save(os.path.join(out, "bert_model.ckpt")))
