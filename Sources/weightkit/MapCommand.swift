import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a checkpoint onto a graph and report every parameter; writes nothing.",
        discussion: "Lists every target parameter with its source tensor and transform, then every problem at once: missing, mis-shaped, ambiguous, unused (ignorable ones marked). Exit 1 when anything required is missing or mis-shaped. (BERT from Hugging Face PyTorch, Hugging Face TF, keras-hub and graph-ready .wkc; the Keras text classifier from Keras 3, tf_keras archives and legacy .h5 by position.)")

    @Argument(help: "Checkpoint (any format WeightKit reads).") var source: String
    @Option(help: "The graph: bert or text-classifier.") var model = "bert"
    @Option(help: "A config overriding the one found or inferred (Hugging Face config.json for bert; the keys of `weightkit params` for text-classifier).") var config: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard model == "bert" || model == "text-classifier" else { throw ValidationError("--model \(model): bert or text-classifier") }
    }

    func run() throws {
        let c = try Checkpoints.open(source)
        let report: MappingReport
        if model == "bert" {
            report = BertMapper.map(c, config: try config.map { try BertConfig(huggingFace: try FileSystem.readJSON($0)) })
        } else {
            report = TextClassifierMapper.map(c, config: try config.map { try TextClassifierConfig(json: try FileSystem.readJSON($0)) })
        }
        print(json ? report.json.serialized(indent: 2) : report.text, terminator: json ? "\n" : "")
        if !report.passed { throw ExitCode(1) }
    }
}
