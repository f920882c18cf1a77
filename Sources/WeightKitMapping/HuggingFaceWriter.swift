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
        progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws -> String {
        guard report.passed, let config = report.config else { throw GraphReadyWriter.NotMapped(report: report) }
        try dtype.check(writer: "a Hugging Face directory", destination: directory)
        let (outputs, classifier) = try pyTorchTensors(checkpoint, report: report, dtype: dtype)
        if !FileSystem.isDirectory(directory) {
            guard mkdir(directory, 0o755) == 0 else {
                throw FileError(path: directory, operation: "create the directory")
            }
        }
        try SafetensorsWriter.write(
            outputs, metadata: ["format": "pt"], to: FileSystem.join(directory, "model.safetensors"),
            progress: progress,
            audit: audit)
        var cfg = config.huggingFaceJSON
        let cls = config.huggingFaceClass(classifier: classifier)
        cfg["architectures"] = .array([.string(cls)])
        let json = Array((JSONValue.object(cfg).serialized(indent: 2) + "\n").utf8)
        let writer = try AtomicFileWriter(destination: FileSystem.join(directory, "config.json"))
        try writer.write(json)
        try writer.commit()
        return cls
    }

    /// The mapped tensors under Hugging Face PyTorch names, Linear weights [out, in] (a task
    /// model's encoder under its family's prefix), and whether there is a classifier.
    public static func pyTorchTensors(
        _ checkpoint: any Checkpoint, report: MappingReport, dtype: DTypePolicy = .keep, taskPrefix: Bool = true
    ) throws -> (tensors: [OutputTensor], classifier: Bool) {
        guard report.passed, let config = report.config else { throw GraphReadyWriter.NotMapped(report: report) }
        let arch = config.architecture
        let head = [arch.head.output] + (arch.head.hidden.map { [$0.name] } ?? [])
        let classifier = report.hasClassifierHead
        var outputs: [OutputTensor] = []
        for e in report.entries where e.status == .mapped {
            guard let source = e.source, let info = checkpoint.info(named: source) else { continue }
            // A task model keeps the encoder under "bert." (or its family's prefix) and the head at
            // the top, as transformers saves it.
            let isHead = head.contains { e.canonical.hasPrefix($0 + ".") }
            let name = taskPrefix && classifier && !isHead ? arch.taskPrefix + e.canonical : e.canonical
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
        return (outputs, classifier)
    }

    /// Tokenizer files for the directory, from beside the source: Hugging Face's own files as
    /// they are; else a `vocab.txt` (a SavedModel's `assets/vocab.txt` too) with a
    /// `tokenizer_config.json` saying the casing — the checkpoint's `do_lower_case` (TF-Hub
    /// encoders record it), else "cased" in the directory name, else uncased (BERT's default),
    /// said in `notes`. Returns the files written and those notes.
    public static func writeTokenizer(
        for checkpoint: any Checkpoint, maxLength: Int, to directory: String
    ) throws -> (files: [String], notes: [String]) {
        var source = FileSystem.directory(of: checkpoint.path)
        if FileSystem.lastComponent(of: source) == "variables",
            FileSystem.exists(FileSystem.join(FileSystem.directory(of: source), "saved_model.pb"))
        {
            source = FileSystem.directory(of: source)  // a SavedModel: its assets/
        }
        func copy(_ from: String, as name: String) throws {
            let bytes = try MappedFile(path: from)
            let writer = try AtomicFileWriter(destination: FileSystem.join(directory, name), expectedSize: bytes.size)
            try writer.write(bytes.bytes)
            try writer.commit()
        }
        let own = ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]
            .filter { FileSystem.exists(FileSystem.join(source, $0)) }
        if own.contains("tokenizer_config.json") || own.contains("tokenizer.json") {
            for f in own { try copy(FileSystem.join(source, f), as: f) }
            return (own, [])
        }
        let vocab = [FileSystem.join(source, "vocab.txt"), FileSystem.join(source, "assets/vocab.txt")]
            .first(where: FileSystem.exists)
        guard let vocab else { return ([], ["no vocab.txt beside \(checkpoint.path): no tokenizer files written"]) }
        try copy(vocab, as: "vocab.txt")
        let lowercase: Bool, why: String
        if let flag = checkpoint.metadata["tf.do_lower_case"] {
            (lowercase, why) = (flag == "true", "the checkpoint's do_lower_case variable")
        } else {
            let name = FileSystem.lastComponent(of: source).lowercased()
            let cased = name.contains("cased") && !name.contains("uncased")
            (lowercase, why) =
                cased
                ? (false, "\"cased\" in the directory name") : (true, "BERT's default (nothing in the checkpoint says)")
        }
        let config: JSONObject = [
            "tokenizer_class": .string("BertTokenizer"), "do_lower_case": .bool(lowercase),
            "model_max_length": .int(maxLength), "unk_token": .string("[UNK]"), "sep_token": .string("[SEP]"),
            "pad_token": .string("[PAD]"), "cls_token": .string("[CLS]"), "mask_token": .string("[MASK]"),
        ]
        let writer = try AtomicFileWriter(destination: FileSystem.join(directory, "tokenizer_config.json"))
        try writer.write(Array((JSONValue.object(config).serialized(indent: 2) + "\n").utf8))
        try writer.commit()
        return (["vocab.txt", "tokenizer_config.json"], ["do_lower_case \(lowercase): \(why)"])
    }
}
