import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a checkpoint onto a graph and report every parameter; writes nothing.",
        discussion:
            "Lists every target parameter with its source tensor and transform, then every problem at once: missing, mis-shaped, ambiguous, unused (ignorable ones marked). Exit 1 when anything required is missing or mis-shaped. Without --model the graph is the one the config's model_type or the tensor-name prefixes say, else the one whose conventions map; the report says which and why. (BERT from Hugging Face PyTorch, Hugging Face TF, keras-hub and graph-ready .wkc; RoBERTa and DistilBERT from Hugging Face PyTorch and TF; the Keras text classifier from Keras 3, tf_keras archives and legacy .h5 by position.)"
    )

    @Argument(help: "Checkpoint (any format WeightKit reads).") var source: String
    @Option(help: "The graph: \(GraphKind.names) (default: chosen from the checkpoint).") var model: GraphKind?
    @Option(
        help:
            "A config overriding the one found or inferred (Hugging Face config.json for bert; the keys of `weightkit params` for text-classifier)."
    ) var config: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let c = try Checkpoints.open(source)
        let report = try Graphs.map(c, kind: model, config: try GraphConfigOption.read(config, for: model))
        print(json ? report.json.serialized(indent: 2) : report.text, terminator: json ? "\n" : "")
        if !report.passed { throw ExitCode(1) }
    }
}
