import ArgumentParser
import WeightKitCheckpoints
import WeightKitGraphs
import WeightKitInspection

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "Print the parameter table of a graph: every canonical name and shape a checkpoint must supply.",
        discussion:
            "bert, roberta and distilbert take a Hugging Face config.json; text-classifier a JSON object with vocab_size, max_length, embed_dim, num_heads, key_dim, ff_dim, hidden_units, num_classes."
    )

    @Argument(help: "\(GraphKind.names).") var model: GraphKind
    @Option(help: "The model config (JSON file).") var config: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let specs: [ParameterSpec]
        switch try GraphConfigOption.read(config, for: model)! {
        case .bert(let c): specs = BertModel.parameterTable(c, pooler: true, classifier: c.numLabels != nil)
        case .textClassifier(let c): specs = TextClassifierModel.parameterTable(c)
        }
        if json {
            print(
                JSONValue.array(
                    specs.map { s in
                        .object([
                            "name": .string(s.name), "shape": .array(s.shape.map { .int($0) }),
                            "optional": .bool(s.optional), "linear_weight": .bool(s.isLinearWeight),
                        ])
                    }
                ).serialized(indent: 2))
            return
        }
        let rows = specs.map { s in
            [
                s.name, "[" + s.shape.map(String.init).joined(separator: ", ") + "]",
                s.optional ? "optional" : "required", s.isLinearWeight ? "[out, in] or [in, out]" : "as shown",
            ]
        }
        print(
            Formatting.table(header: ["parameter", "shape", "", "layout"], rows: rows, rightAligned: []), terminator: ""
        )
        print(
            "  \(specs.count) parameters, \(Formatting.grouped(specs.reduce(0) { $0 + $1.shape.reduce(1, *) })) values")
    }
}
