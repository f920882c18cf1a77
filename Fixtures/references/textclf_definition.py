"""The Keras documentation's text-classification transformer: the one definition that
Fixtures/keras/generate.py trains and saves (with tf_keras for Keras 2 and with Keras 3) and
make_bundle.py keras rebuilds. WEIGHTKIT_KERAS names the Keras module to build it with (keras
by default; generate.py sets tf_keras for its Keras 2 files)."""
import importlib
import os

import tensorflow as tf

keras = importlib.import_module(os.environ.get("WEIGHTKIT_KERAS", "keras"))
layers = keras.layers

VOCAB, MAXLEN, EMBED, HEADS, FF, HIDDEN, CLASSES = 1000, 64, 32, 2, 32, 20, 4


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.dropout1(self.att(inputs, inputs), training=training)
        out1 = self.layernorm1(inputs + attn_output)
        return self.layernorm2(out1 + self.dropout2(self.ffn(out1), training=training))


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = self.pos_emb(tf.range(start=0, limit=tf.shape(x)[-1], delta=1))
        return self.token_emb(x) + positions


def build(dtype=None):
    """dtype: the layers' dtype policy (None: Keras' default)."""
    inputs = layers.Input(shape=(MAXLEN,))
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED, dtype=dtype)(inputs)
    x = TransformerBlock(EMBED, HEADS, FF, dtype=dtype)(x)
    x = layers.GlobalAveragePooling1D(dtype=dtype)(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(HIDDEN, activation="relu", dtype=dtype)(x)
    x = layers.Dropout(0.1)(x)
    return keras.Model(inputs=inputs, outputs=layers.Dense(CLASSES, activation="softmax", dtype=dtype)(x))
