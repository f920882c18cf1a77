import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitInspection

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

    func validate() throws {
        _ = try OutputFormat(destination: output)
    }

    func run() throws {
        let checkpoint = try Checkpoints.open(source)
        let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
        let summary = try Converter.convert(checkpoint, to: output, dtype: dtype, progress: bar.handler)
        bar.finish()
        var line = "wrote \(output): \(summary.tensors) tensors, \(Formatting.bytes(summary.bytesWritten))"
        if !summary.casts.isEmpty {
            line += " (cast " + summary.casts.sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"
        }
        print(line)
    }
}
