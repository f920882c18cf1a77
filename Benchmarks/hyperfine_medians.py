"""Medians of hyperfine --export-json files, keyed by command name (-n): what the benchmark
scripts print their figures from. Imported by their inline reports (PYTHONPATH=Benchmarks)."""
import json
import statistics


def medians(*paths):
    r = {}
    for path in paths:
        with open(path) as f:
            for x in json.load(f)["results"]:
                r[x["command"]] = statistics.median(x["times"])
    return r
