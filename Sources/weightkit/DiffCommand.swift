import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitVerification

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two checkpoints tensor by tensor: equal, max abs diff, only in A, only in B.",
        discussion:
            "By name; with --model bert both are first mapped onto the graph, so different conventions and formats (a tf_model.h5 and the safetensors converted from it) compare parameter by parameter, in the same orientation. Exit 0 identical, 1 different, 2 bad input."
    )

    @Argument(help: "First checkpoint.") var a: String
    @Argument(help: "Second checkpoint.") var b: String
    @Option(help: "Map both onto this graph first (bert, roberta or distilbert).") var model: GraphKind?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let model, model.bertArchitecture == nil {
            throw ValidationError("--model \(model.rawValue): bert, roberta or distilbert")
        }
    }

    func run() throws {
        let ca = try Checkpoints.open(a), cb = try Checkpoints.open(b)
        let diff = model == nil ? try CheckpointDiff.byName(ca, cb) : try CheckpointDiff.mapped(ca, cb, onto: model!)
        Terminal.write(json ? diff.json.serialized(indent: 2) + "\n" : diff.text)
        if !diff.identical { throw ExitCode(1) }
    }
}
