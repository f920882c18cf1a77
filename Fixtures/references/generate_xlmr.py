#!/usr/bin/env python3
"""A tiny XLM-RoBERTa classifier with a real SentencePiece Unigram tokenizer (issue 17):

  1. --stage tokenizer (environment Fixtures/requirements-spm.txt): SentencePiece trains a
     500-piece Unigram model on the single-line corpus entries (nmt_nfkc normalisation, so the
     model carries SentencePiece's precompiled charsmap), transformers' XLMRobertaTokenizer reads
     it and saves its fast form (tokenizer.json with the Precompiled normaliser) into
     Fixtures/bert_family/xlmr_unigram_cls_pt/.
  2. --stage model (environment Fixtures/requirements-torch.txt): transformers'
     XLMRobertaForSequenceClassification (random init, seed 2, 2-D parameters x20 as the other
     bert_family fixtures) saved beside it, and xlmr_unigram_cls_pt.reference.safetensors: its
     logits and last_hidden_state for TEXT_SENTENCES, with the ids transformers' tokenizer gave
     (input.input_ids, input.attention_mask) and the texts (input.text).

    $(bash Scripts/python-env.sh Fixtures/requirements-spm.txt) Fixtures/references/generate_xlmr.py --stage tokenizer
    $(bash Scripts/python-env.sh Fixtures/requirements-torch.txt) Fixtures/references/generate_xlmr.py --stage model
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "bert_family"))
NAME = "xlmr_unigram_cls_pt"
DIRECTORY = os.path.join(OUT, NAME)
CORPUS = os.path.normpath(os.path.join(HERE, "..", "tokenizer", "corpus.json"))
TEXT_SENTENCES = ["I love transformers.", "the model's weights", "Zürich, 2026-11-21: ｆｕｌｌｗｉｄｔｈ café!"]


def tokenizer_stage():
    import sentencepiece as spm
    from transformers import XLMRobertaTokenizer, XLMRobertaTokenizerFast

    lines = [o["text"].replace("\n", " ").strip() for o in json.load(open(CORPUS))["lines"]]
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "corpus.txt")
        open(text, "w").write("\n".join(l for l in lines if l) + "\n")
        prefix = os.path.join(tmp, "sentencepiece.bpe")
        # XLM-R's layout: <s>=0 <pad>=1 </s>=2 <unk>=3 in transformers' ids (SentencePiece's own
        # ids are <unk>=0 <s>=1 </s>=2, shifted by the fairseq offset).
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=prefix, vocab_size=500, model_type="unigram",
            normalization_rule_name="nmt_nfkc", character_coverage=1.0, seed_sentencepiece_size=100000,
            num_threads=1, unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
        os.makedirs(DIRECTORY, exist_ok=True)
        slow = XLMRobertaTokenizer(vocab_file=prefix + ".model", model_max_length=64)
        slow.save_pretrained(DIRECTORY)  # sentencepiece.bpe.model, tokenizer_config.json, special_tokens_map.json
        fast = XLMRobertaTokenizerFast.from_pretrained(DIRECTORY, from_slow=True)
        fast.save_pretrained(DIRECTORY)  # tokenizer.json
        # As published XLM-R directories are: no "from_slow" (which would make every load convert
        # the SentencePiece model again, needing sentencepiece and protobuf).
        path = os.path.join(DIRECTORY, "tokenizer_config.json")
        config = json.load(open(path))
        config.pop("from_slow", None)
        json.dump(config, open(path, "w"), indent=2, ensure_ascii=False)
        a = slow(TEXT_SENTENCES)["input_ids"]
        b = fast(TEXT_SENTENCES)["input_ids"]
        if a != b:
            raise SystemExit(f"slow and fast tokenizers disagree: {a} vs {b}")
        print(f"{NAME}: tokenizer of {len(fast)} tokens; ids {b}")


def model_stage():
    import numpy as np
    import torch
    import transformers
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification, XLMRobertaTokenizerFast

    sys.path.insert(0, HERE)
    from bundle import write_bundle

    tok = XLMRobertaTokenizerFast.from_pretrained(DIRECTORY)  # tokenizer.json (no sentencepiece here)
    torch.manual_seed(2)
    config = XLMRobertaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=37, max_position_embeddings=66, type_vocab_size=1, pad_token_id=1,
                              bos_token_id=0, eos_token_id=2, num_labels=3, hidden_dropout_prob=0.0,
                              attention_probs_dropout_prob=0.0)
    model = XLMRobertaForSequenceClassification(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.mul_(20)
    model.save_pretrained(DIRECTORY, safe_serialization=True)
    enc = tok(TEXT_SENTENCES, padding=True, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    with torch.no_grad():
        out = {"logits": model(input_ids=ids, attention_mask=mask).logits.numpy(),
               "last_hidden_state": model.roberta(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()}
    inputs = {"input_ids": ids.numpy().astype(np.int64), "attention_mask": mask.numpy().astype(np.int64)}
    meta = {"model.kind": "roberta",
            "model": f"Fixtures/bert_family/{NAME}/model.safetensors (XLMRobertaForSequenceClassification, random "
                     "init, seed 2, 2-D parameters x20)",
            "tokenizer": f"Fixtures/bert_family/{NAME}/ (a 500-piece SentencePiece Unigram model, nmt_nfkc; "
                         "XLMRobertaTokenizerFast), called with padding=True",
            "framework": f"torch {torch.__version__} / transformers {transformers.__version__}",
            "producer": "Fixtures/references/generate_xlmr.py", "input.text": json.dumps(TEXT_SENTENCES)}
    write_bundle(os.path.join(OUT, NAME + ".reference.safetensors"), inputs, out, meta)
    print(f"{NAME}: ids {ids.tolist()}")


if __name__ == "__main__":
    stage = sys.argv[sys.argv.index("--stage") + 1]
    tokenizer_stage() if stage == "tokenizer" else model_stage()
