"""llama.cpp's own convert_hf_to_gguf.py (llama-cpp-python 0.3.36's vendor/llama.cpp), run with one
change: the name it writes as `tokenizer.ggml.pre` is given (--pre NAME) instead of looked up.

The converter identifies a tokenizer by the SHA-256 of the ids it gives for a fixed text and stops
("BPE pre-tokenizer was not recognized") on any hash its table does not hold — as it does for every
tiny fixture here, whose vocabularies are not published models'. The name given is the one the
converter writes for the published model of the same kind (MiniLM: jina-v2-en, which llama.cpp's
WordPiece tokenizer ignores; RoBERTa: roberta-bpe). Everything else is the converter's own code.

    PY Fixtures/gguf/convert_hf.py LLAMA_DIR --pre NAME MODEL_DIR --outfile X.gguf --outtype f32
"""
import runpy
import sys

llama, flag, pre, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
assert flag == "--pre", __doc__
sys.path.insert(0, llama)
sys.path.insert(1, llama + "/gguf-py")
from conversion.base import TextModel  # noqa: E402  (the converter's own classes)

TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
sys.argv = [llama + "/convert_hf_to_gguf.py"] + rest
runpy.run_path(llama + "/convert_hf_to_gguf.py", run_name="__main__")
