#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints
import WeightKitGraphs

/// Writes a mapped BERT as a Hugging Face PyTorch model directory — `model.safetensors` with
/// PyTorch names and Linear weights [out, in], and `config.json` — which
/// `transformers.BertModel.from_pretrained(dir)` loads (BertForSequenceClassification too when
/// there is a classifier). This is how a Keras or TF-only BERT reaches PyTorch, MLX or candle.
public enum HuggingFaceWriter {
    /// Returns the transformers class the directory loads as (what config.json's `architectures` names).
    @discardableResult
    public static func writeBert(
        _ checkpoint: any Checkpoint, report: MappingReport, to directory: String, dtype: DTypePolicy = .keep,
        progress: ProgressHandler? = nil
    ) throws -> String {
        guard report.passed, let config = report.config else { throw GraphReadyWriter.NotMapped(report: report) }
        let arch = config.architecture
        let head = [arch.head.output] + (arch.head.hidden.map { [$0.name] } ?? [])
        let classifier = report.entries.contains {
            $0.canonical == arch.head.output + ".weight" && $0.status == .mapped
        }
        var outputs: [OutputTensor] = []
        for e in report.entries where e.status == .mapped {
            guard let source = e.source, let info = checkpoint.info(named: source) else { continue }
            // A task model keeps the encoder under "bert." (or its family's prefix) and the head at
            // the top, as transformers saves it.
            let isHead = head.contains { e.canonical.hasPrefix($0 + ".") }
            let name = classifier && !isHead ? arch.taskPrefix + e.canonical : e.canonical
            if e.layout == .inOut {
                // [in, out] (possibly a 3-D Keras kernel) → PyTorch's [out, in].
                let inOut = [e.expectedShape[1], e.expectedShape[0]]
                var merged = info
                merged.shape = inOut
                outputs.append(
                    TensorTransforms.transposed(
                        checkpoint, merged,
                        as: TensorInfo(
                            name: name, dtype: .f32, shape: e.expectedShape, byteOffset: 0,
                            byteCount: e.expectedShape.reduce(1, *) * 4), dtype: dtype))
            } else {
                var target = info
                target.name = name
                target.shape = e.expectedShape
                outputs.append(TensorTransforms.relabelled(checkpoint, info, as: target, dtype: dtype))
            }
        }
        if !FileSystem.isDirectory(directory) {
            guard mkdir(directory, 0o755) == 0 else {
                throw FileError(path: directory, operation: "create the directory")
            }
        }
        try SafetensorsWriter.write(
            outputs, metadata: ["format": "pt"], to: FileSystem.join(directory, "model.safetensors"), progress: progress
        )
        var cfg = config.huggingFaceJSON
        let cls = config.huggingFaceClass(classifier: classifier)
        cfg["architectures"] = .array([.string(cls)])
        let json = Array((JSONValue.object(cfg).serialized(indent: 2) + "\n").utf8)
        let writer = try AtomicFileWriter(destination: FileSystem.join(directory, "config.json"))
        try writer.write(json)
        try writer.commit()
        return cls
    }
}
