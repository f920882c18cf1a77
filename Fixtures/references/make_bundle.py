#!/usr/bin/env python3
"""Kept for the commands in earlier notes: the producer is the package in python/
(`pip install ./python[torch]`, then `weightkit-reference`), run here from the checkout.

    make_bundle.py hf|hf-tf|sentence-transformers|keras SOURCE OUT [options]   (see weightkit-reference --help)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from weightkit_reference.cli import main  # noqa: E402

if __name__ == "__main__":
    main(producer="Fixtures/references/make_bundle.py " + (sys.argv[1] if len(sys.argv) > 1 else ""))
