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

    @Flag(
        help:
            "Keras files: also list optimizer and metric state, which is otherwise skipped; GGUF: metadata arrays in full."
    )
    var all = false

    @Option(help: "Only tensors whose name matches this glob (*, ?, [..]); a plain string matches names containing it.")
    var filter: String?

    func run() throws {
        let checkpoint = try Checkpoints.open(path, options: .init(includeAll: all))
        let report = try InspectReport(checkpoint: checkpoint, filter: filter, stats: stats)
        // A text classifier's TextVectorization (what Keras saved of it), when the model has one.
        let vectorizer = try? TextClassifierVectorizer.find(for: checkpoint, vocabularyFile: nil)
        if json {
            var j = report.json(grouped: group)
            if let v = vectorizer, case .object(var o) = j {
                o["text_vectorization"] = .object([
                    "standardize": .string(v.standardize.rawValue), "split": .string(v.split.rawValue),
                    "ngrams": v.ngramWidths.isEmpty ? .null : .array(v.ngramWidths.map { .int($0) }),
                    "vocabulary_size": .int(v.vocabulary.count), "max_tokens": v.maxTokens.map { .int($0) } ?? .null,
                    "output_sequence_length": v.outputSequenceLength.map { .int($0) } ?? .null,
                ])
                j = .object(o)
            }
            Terminal.write(j.serialized(indent: 2) + "\n")
        } else {
            Terminal.write(report.text(grouped: group) + (vectorizer.map { "  " + $0.summary + "\n" } ?? ""))
        }
    }
}
