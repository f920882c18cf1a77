import WeightKitCheckpoints

/// An opened GGUF: plain tensors (F32, F16, BF16, F64, integers) are byte ranges of the mapped
/// file; block-quantised ones of a type `GGMLQuantization` decodes are offered as f32 and decoded
/// into a heap copy when viewed; any other type is listed as f32 too, and viewing it is refused by
/// name (so a conversion stops at it instead of dropping it). For a BERT (`general.architecture =
/// "bert"`) the model config is built from the `bert.*` keys.
public final class GGUFCheckpoint: Checkpoint, @unchecked Sendable {
    public let file: GGUFFile
    public let mapped: MappedCheckpoint
    public let modelConfig: JSONValue?
    /// Block-quantised tensors by name: their ggml tensor entry.
    let quantized: [String: GGUFFile.Tensor]

    /// A RoBERTa GGUF's position table lacks the first `pad_token_id + 1` rows (llama.cpp counts
    /// positions from 0): it is read with that many zero rows in front, so Hugging Face's
    /// position ids (`padding_idx + 1 + k`) index it as in the original.
    let positionPrefix: Int
    public let tensors: [TensorInfo]

    init(file: GGUFFile, mapped: MappedCheckpoint, quantized: [String: GGUFFile.Tensor]) {
        self.file = file
        self.mapped = mapped
        self.quantized = quantized
        let prefix =
            GGUFCheckpoint.modelType(file, tensors: mapped.tensors) == "roberta"
            ? GGUFCheckpoint.robertaPad(file) + 1 : 0
        positionPrefix = prefix
        tensors = mapped.tensors.map { t in
            guard prefix > 0, t.name == "position_embd.weight", t.shape.count == 2, let es = t.dtype.byteSize else {
                return t
            }
            var p = t
            p.shape[0] += prefix
            p.byteCount = p.shape[0] * p.shape[1] * es
            return p
        }
        self.modelConfig = GGUFCheckpoint.bertConfig(file, tensors: tensors)
    }

    public var path: String { mapped.path }
    public var format: CheckpointFormat { mapped.format }
    public var files: [String] { mapped.files }
    public var metadata: [String: String] { mapped.metadata }

    public func info(named name: String) -> TensorInfo? {
        guard positionPrefix > 0, name == "position_embd.weight" else { return mapped.info(named: name) }
        return tensors.first { $0.name == name }
    }
    public func isStoredInPlace(_ info: TensorInfo) -> Bool {
        quantized[info.name] == nil && !(positionPrefix > 0 && info.name == "position_embd.weight")
    }

    public func storedEncoding(_ info: TensorInfo) -> StoredEncoding? {
        if positionPrefix > 0, info.name == "position_embd.weight", let stored = mapped.info(named: info.name),
            quantized[info.name] == nil
        {
            return StoredEncoding(
                name:
                    "\(stored.dtype.rawValue) \(stored.shapeDescription) (+\(positionPrefix) zero rows: RoBERTa's padding positions)",
                bytes: stored.byteCount, decodable: true)
        }
        return quantized[info.name].map {
            StoredEncoding(
                name: $0.type.name, bytes: $0.size, decodable: GGMLQuantization.decodable.contains($0.type))
        }
    }

    public func view(_ info: TensorInfo) throws -> TensorView {
        if positionPrefix > 0, info.name == "position_embd.weight", let stored = mapped.info(named: info.name),
            quantized[info.name] == nil
        {
            let rows = try mapped.view(stored)
            let owned = OwnedBytes(count: info.byteCount)
            let front = info.byteCount - stored.byteCount
            owned.buffer.initializeMemory(as: UInt8.self, repeating: 0)
            (owned.buffer.baseAddress! + front).copyMemory(from: rows.bytes.baseAddress!, byteCount: stored.byteCount)
            return TensorView(
                info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<info.byteCount]), owner: owned)
        }
        guard let q = quantized[info.name] else { return try mapped.view(info) }
        guard GGMLQuantization.decodable.contains(q.type) else {
            throw GGUFError.badTensor(
                file: path, tensor: info.name,
                detail:
                    "stored as \(q.type.name), which WeightKit does not decode (it decodes F32, F16, BF16, "
                    + GGMLQuantization.decodable.map(\.name).sorted().joined(separator: ", ") + ")")
        }
        let owned = OwnedBytes(count: info.byteCount)
        let raw = mapped.mappedFiles[0].bytes(at: q.offset, count: q.size)
        GGMLQuantization.dequantize(
            raw, type: q.type, count: info.elementCount,
            into: owned.buffer.baseAddress!.assumingMemoryBound(to: Float.self))
        return TensorView(
            info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<info.byteCount]), owner: owned)
    }

    /// A Hugging Face-style config.json object from a BERT GGUF's `bert.*` keys (the vocabulary
    /// size from `token_embd`, labels from `bert.classifier.output_labels`); nil for other
    /// architectures. llama.cpp writes DistilBERT as a `bert` GGUF without `token_types`: such a
    /// file (or one WeightKit marked `weightkit.model_type = distilbert`) gets DistilBERT's config.
    /// bert, distilbert (no `token_types`, as llama.cpp's converter writes it) or roberta (a
    /// byte-level BPE vocabulary), unless WeightKit recorded it in `weightkit.model_type`.
    static func modelType(_ g: GGUFFile, tensors: [TensorInfo]) -> String {
        if let t = g.value("weightkit.model_type")?.stringValue { return t }
        guard tensors.contains(where: { $0.name == "token_types.weight" }) else { return "distilbert" }
        return g.value("tokenizer.ggml.model")?.stringValue == "gpt2" ? "roberta" : "bert"
    }

    /// RoBERTa's padding index: the GGUF's padding token id (1 in every RoBERTa).
    static func robertaPad(_ g: GGUFFile) -> Int { g.value("tokenizer.ggml.padding_token_id")?.intValue ?? 1 }

    static func bertConfig(_ g: GGUFFile, tensors: [TensorInfo]) -> JSONValue? {
        guard g.value("general.architecture")?.stringValue == "bert" else { return nil }
        let type = modelType(g, tensors: tensors)
        let distil = type == "distilbert"
        var o: [(key: String, value: JSONValue)] = [("model_type", .string(type))]
        func int(_ json: String, _ key: String) {
            if let v = g.value("bert." + key)?.intValue { o.append((json, .number(String(v)))) }
        }
        int(distil ? "dim" : "hidden_size", "embedding_length")
        int(distil ? "n_layers" : "num_hidden_layers", "block_count")
        int(distil ? "n_heads" : "num_attention_heads", "attention.head_count")
        int(distil ? "hidden_dim" : "intermediate_size", "feed_forward_length")
        if type == "roberta", let v = g.value("bert.context_length")?.intValue {
            o.append(("max_position_embeddings", .number(String(v + robertaPad(g) + 1))))
            o.append(("pad_token_id", .number(String(robertaPad(g)))))
        } else {
            int("max_position_embeddings", "context_length")
        }
        if let v = tensors.first(where: { $0.name == "token_embd.weight" })?.shape.first {
            o.append(("vocab_size", .number(String(v))))
        }
        if !distil,
            let v = g.value("tokenizer.ggml.token_type_count")?.intValue
                ?? tensors.first(where: { $0.name == "token_types.weight" })?.shape.first
        {
            o.append(("type_vocab_size", .number(String(v))))
        }
        if let e = g.value("bert.attention.layer_norm_epsilon")?.doubleValue {
            // The key is a FLOAT32: its shortest decimal as a Float (1e-12, not 9.9999999600419e-13).
            o.append(("layer_norm_eps", .number(String(Float(e)))))
        }
        // The activation the model was trained with, where WeightKit wrote it; else Hugging Face's
        // "gelu" (exact erf). llama.cpp itself always computes the tanh approximation.
        o.append(
            (distil ? "activation" : "hidden_act", .string(g.value("weightkit.hidden_act")?.stringValue ?? "gelu")))
        if case .array(_, let labels)? = g.value("bert.classifier.output_labels") {
            var m: [(key: String, value: JSONValue)] = []
            for (i, l) in labels.enumerated() { m.append((String(i), .string(l.stringValue ?? "LABEL_\(i)"))) }
            o.append(("id2label", .object(JSONObject(m))))
        }
        return .object(JSONObject(o))
    }
}
