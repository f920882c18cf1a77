"""The fixture generators write bundles with the producer package's writer (python/weightkit_reference):
one producer in the repository."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from weightkit_reference.bundle import write_bundle  # noqa: E402,F401
