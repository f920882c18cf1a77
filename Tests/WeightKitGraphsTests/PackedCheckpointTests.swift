import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
@testable import WeightKitGraphs
import WeightKitMapping
import WeightKitTestSupport
import WeightKitVerification

/// A graph-ready `.wkc` holding bf16 / int8 encoder weights in the kernels' blocked layout
/// (`convert --model bert --precision P`, issue 16): what it stores decodes to exactly the values
/// the bind-time packing makes from the float32 weights, the forward pass uses the stored bytes
/// in place and computes exactly what packing at bind computes, and a broken layout field is
/// refused by name.
@Suite("Packed .wkc: bf16 / int8 weights stored as the kernels read them")
struct PackedCheckpointTests {
    static let tiny = TestFixtures.path("references/tiny_bert_cls_pt")
    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The instructions the packed kernels need: where present, the precision must be offered.
    static func hardwareHas(_ p: Precision) -> Bool {
        let f = CPUFeatures.flags
        return p == .bf16
            ? f.contains("avx512_bf16") || f.contains("amx_bf16") : f.contains("avx512_vnni") || f.contains("amx_int8")
    }

    /// The graph-ready f32 and packed files of `source`.
    static func write(_ source: String, _ precision: Precision, in dir: String) throws -> (f32: String, packed: String)
    {
        let c = try Checkpoints.open(source)
        let report = try Graphs.map(c)
        #expect(report.passed, "\(report.text)")
        let f32 = dir + "/f32.wkc", packed = dir + "/\(precision.rawValue).wkc"
        try GraphReadyWriter.write(c, report: report, to: f32)
        try GraphReadyWriter.write(c, report: report, to: packed, precision: precision)
        return (f32, packed)
    }

    static func version(_ path: String) throws -> UInt32 {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        return d[8..<12].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian }
    }

    static func model(_ path: String, _ precision: Precision?) throws -> BertModel {
        let c = try Checkpoints.open(path)
        let report = try Graphs.map(c)
        return try #require(try Graphs.bind(c, report, precision: precision) as? BertModel)
    }

    static func inputs(vocab: Int) -> BertModel.Inputs {
        var rng = SplitMix64(seed: 7)
        let ids = (0..<3).map { _ in (0..<12).map { _ in 5 + Int(rng.next() % UInt64(vocab - 5)) } }
        return .init(
            inputIds: ids,
            attentionMask: [
                Array(repeating: 1, count: 12), Array(repeating: 1, count: 7) + Array(repeating: 0, count: 5),
                Array(repeating: 1, count: 12),
            ])
    }

    @Test(
        "the stored weights decode to the bind-time rounding / quantisation; the rest is unchanged",
        arguments: [Precision.bf16, .int8])
    func storedValues(_ precision: Precision) throws {
        let dir = try TestFixtures.scratchDirectory("packed-wkc")
        let (f32Path, packedPath) = try Self.write(Self.tiny, precision, in: dir)
        #expect(try Self.version(f32Path) == 1)
        #expect(try Self.version(packedPath) == 2)
        let f32 = try WKCReader.open(f32Path), packed = try WKCReader.open(packedPath)
        #expect(packed.tensors.map(\.name).sorted() == f32.tensors.map(\.name).sorted(), "scale tensors are not listed")
        #expect(try WKCReader.check(packedPath, progress: nil).problems.isEmpty)
        let config = try BertConfig(huggingFace: f32.modelConfig!)
        let linear = Set(BertModel.encoderLinearWeights(config).joined().map(\.name))
        #expect(linear.count == 12)
        for info in f32.tensors {
            let p = try #require(packed.info(named: info.name))
            let original = try f32.view(info).float32Array()
            guard linear.contains(info.name) else {
                #expect(try packed.view(p).float32Array() == original, "\(info.name) changed")
                continue
            }
            let (k, n) = (info.shape[0], info.shape[1])
            #expect(p.shape == [k, n] && p.dtype == (precision == .bf16 ? .bf16 : .f32))
            let stored = try #require(packed.storedEncoding(p))
            #expect(
                stored.name.hasPrefix(precision == .bf16 ? "BF16 BA16a64b2a" : "I8 BA16a64b4a + F32 scales"),
                "\(stored.name)")
            #expect(packed.packedTensor(p) != nil && !packed.isStoredInPlace(p))
            let expected: [Float] = original.withUnsafeBufferPointer { w in
                if precision == .bf16 {
                    return PackedMatmul.bf16Weights(w.baseAddress!, inFeatures: k, outFeatures: n).map {
                        Float(bitPattern: UInt32($0) << 16)
                    }
                }
                let (q, s) = PackedMatmul.int8Weights(w.baseAddress!, inFeatures: k, outFeatures: n)
                return q.indices.map { Float(q[$0]) * s[$0 % n] }
            }
            let decoded = try packed.view(p).float32Array()
            #expect(decoded == expected, "\(info.name)")
            #expect(decoded != original, "\(info.name): nothing was rounded")
        }
    }

    @Test(
        "the forward pass uses the stored weights in place and equals packing at bind, output for output",
        arguments: [Precision.bf16, .int8])
    func forwardEqualsBindTime(_ precision: Precision) throws {
        let dir = try TestFixtures.scratchDirectory("packed-wkc")
        let (f32Path, packedPath) = try Self.write(Self.tiny, precision, in: dir)
        let stored: BertModel
        do { stored = try Self.model(packedPath, nil) } catch let e as PackedMatmul.Unavailable {
            #expect(!Self.hardwareHas(precision), "\(precision) refused on a CPU that has it: \(e)")
            return
        }
        #expect(stored.precision == precision && stored.storedLayers == 2)
        // Hidden 32 is half a column tile: the three are joined at bind; the other layers stay in place.
        let joined = 32 * 3 * 32 * (precision == .bf16 ? 2 : 1)
        #expect(
            stored.packedWeightBytesCopied >= 2 * joined && stored.packedWeightBytesCopied < 4 * 64 * 128 * 2,
            "\(stored.packedWeightBytesCopied)")
        #expect(stored.kernels.contains("weights in place"), "\(stored.kernels)")
        let bindTime = try Self.model(f32Path, precision)
        #expect(bindTime.storedLayers == 0)
        let inputs = Self.inputs(vocab: stored.config.vocabSize)
        let names = Set(stored.outputNames + stored.intermediateNames)
        let a = try stored.forward(inputs, outputs: names), b = try bindTime.forward(inputs, outputs: names)
        #expect(a.count == names.count)
        for name in names { #expect(a[name]?.values == b[name]?.values, "\(name)") }

        // At f32 the stored values are decoded: a float32 run of the rounded weights.
        let decoded = try Self.model(packedPath, .f32)
        #expect(decoded.precision == .f32 && decoded.storedLayers == 0)
        let reference = try Self.model(f32Path, .f32).forward(inputs, outputs: ["logits"])["logits"]!.values
        let d = try decoded.forward(inputs, outputs: ["logits"])["logits"]!.values
        let worst = zip(d, reference).map { abs($0 - $1) }.max()!
        #expect(worst > 0 && worst < (precision == .bf16 ? 0.05 : 0.5), "logits moved by \(worst)")
    }

    @Test(
        "real MiniLM: every packed weight read in place, the query, key and value of a layer as one matrix",
        .enabled(if: minilm != nil || inCI, "set WEIGHTKIT_MINILM (Scripts/test.sh fetches the model)"))
    func minilmInPlace() throws {
        let model = try #require(Self.minilm, "all-MiniLM-L6-v2 not found; Scripts/test.sh fetches it")
        let dir = try TestFixtures.scratchDirectory("packed-minilm")
        for precision in [Precision.bf16, .int8] {
            let (f32Path, packedPath) = try Self.write(model + "/model.safetensors", precision, in: dir)
            let stored: BertModel
            do { stored = try Self.model(packedPath, nil) } catch let e as PackedMatmul.Unavailable {
                #expect(!Self.hardwareHas(precision), "\(e)")
                continue
            }
            #expect(stored.storedLayers == 6 && stored.weightsInPlace, "\(stored.kernels)")
            #expect(stored.packedWeightBytesCopied == 0, "\(stored.packedWeightBytesCopied) bytes copied")
            #expect(try Self.model(f32Path, precision).packedWeightBytesCopied > 10_000_000)
            // Nothing but the biases, norms and embeddings is bound as float32: the file is smaller
            // than the f32 one by the encoder's weights.
            let sizes = try [f32Path, packedPath].map {
                try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int
            }
            #expect(Double(sizes[1]) < Double(sizes[0]) * (precision == .bf16 ? 0.8 : 0.7), "\(sizes)")
            let inputs = Self.inputs(vocab: stored.config.vocabSize)
            let a = try stored.forward(inputs, outputs: ["sentence_embedding"])["sentence_embedding"]!.values
            let b = try Self.model(f32Path, precision).forward(inputs, outputs: ["sentence_embedding"])[
                "sentence_embedding"]!.values
            #expect(a == b)
            let kernels = stored.kernels
            #expect(kernels.contains("weights in place"), "\(kernels)")
        }
    }

    @Test("verify on a packed file runs at the stored precision and reports the drift against f32")
    func verifyPacked() throws {
        let dir = try TestFixtures.scratchDirectory("packed-verify")
        let (_, packedPath) = try Self.write(Self.tiny, .int8, in: dir)
        let r: VerificationReport
        do {
            r = try Verifier.verify(
                checkpoint: packedPath, reference: Self.tiny + ".reference.safetensors", atol: 0.5, config: nil)
        } catch let e as PackedMatmul.Unavailable {
            #expect(!Self.hardwareHas(.int8), "\(e)")
            return
        }
        #expect(r.precision == .int8)
        let drift = try #require(r.drift)
        #expect(drift.kernels.contains("weights in place") && drift.rows.contains { $0.name == "logits" })
        #expect(r.passed, "\(r.text)")
    }

    @Test("broken layout fields are refused, each naming the tensor and the field")
    func headerRules() throws {
        let dir = try TestFixtures.scratchDirectory("packed-rules")
        let (_, packedPath) = try Self.write(Self.tiny, .int8, in: dir)
        let original = try Data(contentsOf: URL(fileURLWithPath: packedPath))
        let n = Int(original[16..<24].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        guard case .object(let root) = try Array(original[24..<(24 + n)]).withUnsafeBytes({ try JSONParser.parse($0) })
        else {
            Issue.record("header is not an object")
            return
        }
        let list = root["tensors"]!.arrayValue!
        let i = try #require(list.firstIndex { $0.objectValue?["layout"] != nil })
        let name = list[i].objectValue!["name"]!.stringValue!
        func rebuilt(version: UInt32 = 2, _ edit: (inout JSONObject) -> Void) throws -> String {
            var r = root, l = list, o = list[i].objectValue!
            edit(&o)
            l[i] = .object(o)
            r["tensors"] = .array(l)
            var header = Array(JSONValue.object(r).serialized().utf8)
            header += [UInt8](repeating: 0x20, count: max(0, n - header.count))
            var out = WKCFormat.magic
            withUnsafeBytes(of: version.littleEndian) { out += $0 }
            withUnsafeBytes(of: CRC32.checksum(header).littleEndian) { out += $0 }
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
            out += header
            out += original[(24 + n)...]
            let path = dir + "/rule.wkc"
            try Data(out).write(to: URL(fileURLWithPath: path))
            return path
        }
        let cases: [(UInt32, (inout JSONObject) -> Void, String)] = [
            (1, { _ in }, "blocked layouts need format version 2"),
            (2, { $0["layout"] = .string("AB16b64a4b") }, "field 'layout': must be a blocked layout"),
            (2, { $0["dtype"] = .string("F32") }, "a blocked layout holds a 2-D BF16 or I8 tensor"),
            (2, { $0["scale"] = nil }, "needs its per-column F32 scales"),
            (2, { $0["scale"] = .string("embeddings.word_embeddings.weight") }, "must be a plain F32"),
            (2, { $0["length"] = .int(($0["length"]!.intValue ?? 0) - 64) }, "length"),
        ]
        for (version, edit, needle) in cases {
            let path = try rebuilt(version: version, edit)
            let message: String
            do {
                _ = try WKCReader.open(path)
                Issue.record("\(needle): accepted")
                continue
            } catch { message = "\(error)" }
            #expect(message.contains(needle), "\(needle): \(message)")
            #expect(message.contains(path) && message.contains(name) || needle == "length", "\(message)")
        }
    }
}
