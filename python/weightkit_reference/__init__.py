"""weightkit-reference: the original framework's outputs as a WeightKit reference bundle
(Schemas/reference-bundle.md). `weightkit verify MODEL --against SOURCE --framework KIND` runs it."""
__version__ = "0.1.0"
