import ArgumentParser
import WeightKitGraphs

/// `--model bert|roberta|distilbert|text-classifier`: the parser rejects any other value and lists these.
extension GraphKind: ExpressibleByArgument {}
