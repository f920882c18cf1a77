#!/usr/bin/env python3
"""validate_json.py SCHEMA.json DOCUMENT.json — exits 0 when the document satisfies the schema
(JSON Schema draft 2020-12), 1 with every violation printed otherwise."""
import json
import sys

from jsonschema import Draft202012Validator

schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
sys.exit(1 if errors else 0)
