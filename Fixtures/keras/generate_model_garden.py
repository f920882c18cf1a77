#!/usr/bin/env python3
"""A TensorFlow Model Garden BERT (official.nlp.modeling.networks.BertEncoder, the network behind
the TF-Hub BERT SavedModels), written with tf_keras' save_weights to HDF5, and its outputs for the
padded batch of the other BERT references. Versions in Fixtures/requirements-model-garden.txt.

    .venv-tfm/bin/python Fixtures/keras/generate_model_garden.py

Outputs under Fixtures/keras/:
  model_garden_bert.h5                   weights (names transformer/layer_N/self_attention/query/kernel:0 ...)
  model_garden_bert.reference.safetensors  last_hidden_state (sequence_output), pooler_output,
                                         hidden_states.1..2 (encoder_outputs)
The matrices are scaled x20 after initialisation, as in Fixtures/references/generate_torch.py, so
the references tell GELU variants and mask constants apart.
"""
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from official.nlp.modeling import networks  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "references"))
from bundle import write_bundle  # noqa: E402

INPUT_IDS = np.array([[2, 45, 17, 88, 9, 61, 33, 12, 3], [2, 5, 77, 3, 41, 98, 23, 7, 3], [2, 14, 60, 29, 3, 0, 0, 0, 0]], dtype=np.int64)
MASK = np.array([[1] * 9, [1] * 9, [1] * 5 + [0] * 4], dtype=np.int64)
TYPES = np.array([[0] * 9, [0] * 4 + [1] * 5, [0] * 9], dtype=np.int64)


def main():
    tf.random.set_seed(5)
    enc = networks.BertEncoder(vocab_size=99, hidden_size=32, num_layers=2, num_attention_heads=4, inner_dim=37,
                               max_sequence_length=24, type_vocab_size=2, dict_outputs=True)
    inputs = dict(input_word_ids=INPUT_IDS, input_mask=MASK, input_type_ids=TYPES)
    enc(inputs)
    enc.set_weights([w * 20.0 if w.ndim >= 2 else w for w in enc.get_weights()])
    path = os.path.join(HERE, "model_garden_bert.h5")
    enc.save_weights(path)
    r = enc(inputs, training=False)
    outputs = {"last_hidden_state": r["sequence_output"].numpy(), "pooler_output": r["pooled_output"].numpy()}
    for i, h in enumerate(r["encoder_outputs"]):
        outputs[f"hidden_states.{i + 1}"] = h.numpy()
    write_bundle(os.path.join(HERE, "model_garden_bert.reference.safetensors"),
                 {"input_ids": INPUT_IDS, "attention_mask": MASK, "token_type_ids": TYPES}, outputs,
                 {"model.kind": "bert", "model": "Fixtures/keras/model_garden_bert.h5 (official.nlp.modeling.networks.BertEncoder)",
                  "framework": f"tf-models-official / tf_keras {tf_keras.__version__} / tensorflow {tf.__version__}",
                  "producer": "Fixtures/keras/generate_model_garden.py",
                  "activation": "gelu (tf_keras approximate=True: tanh)", "layer_norm_eps": "1e-12"})


if __name__ == "__main__":
    main()
