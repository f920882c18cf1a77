import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitInspection
import WeightKitGraphs
import WeightKitMapping

extension DTypePolicy: ExpressibleByArgument {}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert any checkpoint WeightKit reads to safetensors or .wkc, tensor names preserved.",
        discussion: "The output format follows DST's extension (.safetensors or .wkc). The output appears atomically: a failed or interrupted conversion leaves no partial file at DST.")

    @Argument(help: "Source checkpoint (file, shard index or directory).")
    var source: String

    @Option(name: .shortAndLong, help: "Destination file (.safetensors or .wkc).")
    var output: String

    @Option(help: "Floating-point dtype of the output: keep, f32, f16 or bf16. Integer tensors are never cast.")
    var dtype: DTypePolicy = .keep

    @Option(help: "Map onto a graph (bert or text-classifier) and write a graph-ready .wkc: canonical names, weights in the layout the graph reads, the resolved config.")
    var model: String?

    @Option(help: "With --model: a config overriding the one found or inferred (Hugging Face config.json for bert; vocab_size, max_length, embed_dim, num_heads, key_dim, ff_dim, hidden_units, num_classes, layer_norm_eps for text-classifier).")
    var config: String?

    @Option(help: "hf: write DST as a Hugging Face PyTorch model directory (model.safetensors + config.json) that transformers loads; implies --model bert.")
    var layout: String?

    func validate() throws {
        if let layout {
            guard layout == "hf" else { throw ValidationError("--layout \(layout): only hf") }
            guard model == nil || model == "bert" else { throw ValidationError("--layout hf writes a BERT") }
            return
        }
        let format = try OutputFormat(destination: output)
        if let model {
            guard model == "bert" || model == "text-classifier" else { throw ValidationError("--model \(model): bert or text-classifier") }
            guard format == .wkc else { throw ValidationError("--model writes a graph-ready .wkc; name the output *.wkc") }
        }
    }

    func run() throws {
        // A .wkc records its source's SHA-256: start hashing while the source is being opened, as
        // soon as a thread can no longer be caught by the fork of an HDF5 probe.
        var options = Checkpoints.Options()
        if layout == nil, (try? OutputFormat(destination: output)) == .wkc {
            let source = self.source
            options.whenThreadsMayStart = { SourceDigests.startEarly(source) }
        }
        let checkpoint = try Checkpoints.open(source, options: options)
        if layout == "hf" {
            let report = try mapping(checkpoint, graph: "bert")
            try HuggingFaceWriter.writeBert(checkpoint, report: report, to: output, dtype: dtype)
            print("wrote \(output)/model.safetensors and config.json: Hugging Face PyTorch BERT (from \(report.convention!.rawValue))")
            return
        }
        if let model {
            let report = try mapping(checkpoint, graph: model)
            let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
            if model == "text-classifier" {
                try GraphReadyWriter.writeTextClassifier(checkpoint, report: report, to: output, dtype: dtype, progress: bar.handler)
            } else {
                try GraphReadyWriter.writeBert(checkpoint, report: report, to: output, dtype: dtype, progress: bar.handler)
            }
            bar.finish()
            print("wrote \(output): graph-ready \(model) (\(report.convention!.rawValue), config \(report.configSource)), \(report.entries.filter { $0.status == .mapped }.count) parameters")
            return
        }
        let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
        let summary = try Converter.convert(checkpoint, to: output, dtype: dtype, progress: bar.handler)
        bar.finish()
        var line = "wrote \(output): \(summary.tensors) tensors, \(Formatting.bytes(summary.bytesWritten))"
        if !summary.casts.isEmpty {
            line += " (cast " + summary.casts.sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"
        }
        print(line)
    }

    /// The mapping onto `graph` (bert or text-classifier) with `--config` applied; a mapping with
    /// problems prints its report and ends the command with exit 1.
    func mapping(_ checkpoint: any Checkpoint, graph: String) throws -> MappingReport {
        let report = graph == "text-classifier"
            ? TextClassifierMapper.map(checkpoint, config: try config.map { try TextClassifierConfig(json: try FileSystem.readJSON($0)) })
            : BertMapper.map(checkpoint, config: try config.map { try BertConfig(huggingFace: try FileSystem.readJSON($0)) })
        guard report.passed else {
            Terminal.write(report.text)
            throw CommandFailure(message: "error: \(source) does not map onto the \(graph) graph (report above)", code: 1)
        }
        return report
    }
}
