import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a checkpoint onto a graph and report every parameter; writes nothing.",
        discussion: "Lists every target parameter with its source tensor and transform, then every problem at once: missing, mis-shaped, ambiguous, unused (ignorable ones marked). Exit 1 when anything required is missing or mis-shaped. (This session: BERT, from Hugging Face PyTorch, Hugging Face TF and keras-hub checkpoints.)")

    @Argument(help: "Checkpoint (any format WeightKit reads).") var source: String
    @Option(help: "The graph: bert.") var model = "bert"
    @Option(help: "A Hugging Face config.json that overrides the one found or inferred.") var config: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard model == "bert" else { throw ValidationError("--model \(model): only bert is mapped so far") }
    }

    func run() throws {
        let c = try Checkpoints.open(source)
        let override = try config.map { try BertConfig(huggingFace: try FileSystem.readJSON($0)) }
        let report = BertMapper.map(c, config: override)
        print(json ? report.json.serialized(indent: 2) : report.text, terminator: json ? "\n" : "")
        if !report.passed { throw ExitCode(1) }
    }
}
