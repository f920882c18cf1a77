import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping

/// `verify CONVERTED --against ORIGINAL` when WeightKit reads both: the original is mapped and run
/// through WeightKit's own graph on seeded random valid inputs, every output and intermediate
/// kept, and written as a reference bundle (`Schemas/reference-bundle.md`) that `Verifier` then
/// checks the converted model against — so the report shows the drift the conversion introduced,
/// per output and per layer. No Python: what this proves is that the conversion kept the model,
/// not that WeightKit's graph matches the original framework (the bundles from the frameworks
/// prove that).
public enum AgainstReference {
    /// A source that cannot be mapped onto a graph (its report says why).
    public struct NotMapped: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// What was written.
    public struct Written: Sendable {
        public var kind: GraphKind
        public var convention: String
        public var inputs: String
    }

    /// Runs `source` on `batch` × `sequence` seeded inputs and writes the bundle to `path`.
    @discardableResult
    public static func write(
        source: String, kind: GraphKind?, config: GraphConfig?, batch: Int, sequence: Int, seed: UInt64,
        to path: String
    ) throws -> Written {
        let checkpoint = try Checkpoints.open(source)
        let mapping = try Graphs.map(checkpoint, kind: kind, config: config)
        guard mapping.passed, let graphConfig = mapping.graphConfig else {
            throw NotMapped(description: "\(source) does not map onto a graph:\n" + mapping.text)
        }
        let graph = try Graphs.bind(checkpoint, mapping)
        var rng = SplitMix64(seed: seed)
        var inputs: [String: [[Int]]] = [:]
        var described: String
        switch graphConfig {
        case .bert(let c):
            // Ids above the specials and the padding index (RoBERTa's positions start after it);
            // row 0 full length, the others padded to a random length of at least half.
            let low = min(c.vocabSize - 1, max(3, c.paddingIdx + 1))
            let s = min(sequence, c.maxSequenceLength)
            var ids: [[Int]] = [], mask: [[Int]] = [], types: [[Int]] = []
            for row in 0..<batch {
                let length = row == 0 ? s : max(1, s / 2 + Int(rng.next() % UInt64(s - s / 2 + 1)))
                ids.append(
                    (0..<s).map { $0 < length ? low + Int(rng.next() % UInt64(c.vocabSize - low)) : c.paddingIdx })
                mask.append((0..<s).map { $0 < length ? 1 : 0 })
                types.append((0..<s).map { c.typeVocabSize > 1 && $0 >= length / 2 && $0 < length ? 1 : 0 })
            }
            inputs["input_ids"] = ids
            inputs["attention_mask"] = mask
            if graph.inputNames.contains("token_type_ids") { inputs["token_type_ids"] = types }
            described = "\(batch)×\(s) random ids in [\(low), \(c.vocabSize)), seed \(seed)"
        case .textClassifier(let c):
            inputs["token_ids"] = (0..<batch).map { _ in
                (0..<c.maxLength).map { _ in Int(rng.next() % UInt64(c.vocabSize)) }
            }
            described = "\(batch)×\(c.maxLength) random token ids in [0, \(c.vocabSize)), seed \(seed)"
        }
        let produced = try graph.run(inputs, outputs: Set(graph.outputNames + graph.intermediateNames))
        var tensors: [OutputTensor] = []
        func add(_ name: String, shape: [Int], dtype: DType, fill: (UnsafeMutableRawBufferPointer) -> Void) {
            let count = shape.reduce(1, *) * (dtype.byteSize ?? 4)
            let owned = OwnedBytes(count: count)
            fill(owned.buffer)
            let info = TensorInfo(name: name, dtype: dtype, shape: shape, byteOffset: 0, byteCount: count)
            let view = TensorView(
                info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<count]), owner: owned)
            tensors.append(OutputTensor(name: name, dtype: dtype, source: view))
        }
        for (name, rows) in inputs.sorted(by: { $0.key < $1.key }) {
            let flat = rows.flatMap { $0 }
            add("input." + name, shape: [rows.count, rows.first?.count ?? 0], dtype: .i64) { b in
                for (i, v) in flat.enumerated() { b.storeBytes(of: Int64(v), toByteOffset: i * 8, as: Int64.self) }
            }
        }
        for (name, out) in produced.sorted(by: { $0.key < $1.key }) {
            add("output." + name, shape: out.shape, dtype: .f32) { b in
                out.values.withUnsafeBytes { b.copyMemory(from: $0) }
            }
        }
        try SafetensorsWriter.write(
            tensors,
            metadata: [
                "weightkit.reference": "1", "model.kind": mapping.kind.rawValue, "model": source,
                "framework": "WeightKit's own \(mapping.kind.rawValue) graph (\(WeightKitVersion.tool))",
                "producer": "weightkit verify --against (no Python): \(described)",
            ], to: path)
        return Written(kind: mapping.kind, convention: mapping.convention?.rawValue ?? "?", inputs: described)
    }
}

/// A small seeded generator (SplitMix64), so generated inputs (`verify --against`, `bench`) are
/// the same on every machine.
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
