import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitInspection

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a checkpoint's tensors: name, dtype, shape, parameters, bytes.",
        discussion: "The format is detected from the content. PATH may be a file, a shard index or a directory.")

    @Argument(help: "Checkpoint file, shard index or directory.")
    var path: String

    @Flag(help: "Print one JSON object (schema: Schemas/inspect.schema.json).")
    var json = false

    @Flag(help: "Add min, max, mean, std and NaN/Inf counts per tensor (reads all data, on all cores).")
    var stats = false

    @Flag(help: "Collapse layer numbers (encoder.layer.#.…) into one line per repeated tensor.")
    var group = false

    @Flag(help: "Keras files: also list optimizer and metric state, which is otherwise skipped.")
    var all = false

    @Option(help: "Only tensors whose name matches this glob (*, ?, [..]); a plain string matches names containing it.")
    var filter: String?

    func run() throws {
        let checkpoint = try Checkpoints.open(path, options: .init(includeAll: all))
        let report = try InspectReport(checkpoint: checkpoint, filter: filter, stats: stats)
        if json {
            Terminal.write(report.json(grouped: group).serialized(indent: 2) + "\n")
        } else {
            Terminal.write(report.text(grouped: group))
        }
    }
}
