import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitTensorFlow

/// TF2 object-based bundles and SavedModels written by TensorFlow 2.21, Model Garden's converter
/// and TF-Hub's exporter (Fixtures/tensorflow/generate_bert.py), against what TensorFlow reports
/// of them (`expected/NAME.json`: every key with dtype and shape, and the object graph's full names).
@Suite("TensorFlow object-based bundles: names from the object graph")
struct ObjectGraphTests {
    static func expected(_ name: String) throws -> (keys: [String: JSONValue], fullNames: [String: String]) {
        let j = try FileSystem.readJSON(TestFixtures.path("tensorflow/expected/\(name).json"))
        let keys = try #require(j["keys"]?.objectValue)
        var names: [String: String] = [:]
        for (k, v) in j["full_names"]?.objectValue?.entries ?? [] { names[k] = v.stringValue }
        return (Dictionary(uniqueKeysWithValues: keys.entries.map { ($0.key, $0.value) }), names)
    }

    @Test(
        "every variable is named by its full name, with its key as alias, its dtype and shape as TensorFlow lists them",
        arguments: ["tf2_encoder", "tf2_pretrainer", "tf2_trained", "hub_encoder", "textclf_k2_tf"])
    func namedByFullName(_ name: String) throws {
        let path = TestFixtures.path("tensorflow/\(name)")
        let all = try Checkpoints.open(path, options: .init(includeAll: true))
        let (keys, fullNames) = try Self.expected(name)
        let byKey = Dictionary(uniqueKeysWithValues: all.tensors.map { ($0.aliases.first ?? $0.name, $0) })
        var numeric = 0
        for (key, v) in keys where v["dtype"]?.stringValue != "string" {
            numeric += 1
            let t = try #require(byKey[key], "\(name): \(key)")
            let full = fullNames[key] ?? ""
            if full != "Variable" { #expect(t.name == full, "\(key)") }
            #expect(t.shape == v["shape"]?.arrayValue?.compactMap(\.intValue), "\(key)")
        }
        #expect(all.tensors.count == numeric)
        #expect(all.metadata["tf.string._CHECKPOINTABLE_OBJECT_GRAPH"] != nil)
        // Without --all: no optimizer slot, iteration, save counter or casing flag is left.
        let weights = try Checkpoints.open(path)
        for t in weights.tensors {
            #expect(!t.name.hasPrefix("Adam/") && t.name != "iteration" && t.name != "save_counter", "\(t.name)")
            #expect(!(t.aliases.first ?? "").hasPrefix("optimizer/"), "\(t.name)")
        }
        let trainingState = keys.keys.filter {
            $0.contains(".OPTIMIZER_SLOT") || $0.hasPrefix("optimizer/") || $0.hasPrefix("legacy_optimizer/")
                || $0.hasPrefix("save_counter/") || $0.hasPrefix("do_lower_case/")
        }
        #expect(weights.tensors.count == numeric - trainingState.count, "\(name)")
    }

    @Test("a tied embedding stored once (masked_lm/embedding_table) is found by its full name, with every path to it")
    func tiedEmbedding() throws {
        let c = try Checkpoints.open(TestFixtures.path("tensorflow/tf2_pretrainer"))
        let word = try #require(c.info(named: "word_embeddings/embeddings"))
        #expect(word.aliases.first == "masked_lm/embedding_table/.ATTRIBUTES/VARIABLE_VALUE")
        #expect(word.aliases.contains { $0.hasSuffix("layer_with_weights-0/embeddings") }, "\(word.aliases)")
    }

    @Test("a SavedModel opens from its directory or saved_model.pb; do_lower_case is metadata, tensors in save order")
    func savedModel() throws {
        let dir = TestFixtures.path("tensorflow/hub_encoder")
        for p in [dir, dir + "/saved_model.pb", dir + "/variables/variables.index", dir + "/variables/variables"] {
            let c = try Checkpoints.open(p)
            #expect(c.path == dir + "/variables/variables.index", "\(p)")
            #expect(c.metadata["tf.do_lower_case"] == "true")
            #expect(c.tensors.first?.name == "word_embeddings/embeddings" && c.tensors.count == 39)
            #expect(c.tensors.last?.name == "pooler_transform/bias")
        }
        let all = try Checkpoints.open(dir, options: .init(includeAll: true))
        #expect(all.tensors.first?.name == "do_lower_case/.ATTRIBUTES/VARIABLE_VALUE")
        // Packed after a 1-byte bool: every float32 tensor sits at an odd offset, and reads right.
        let word = try #require(all.info(named: "word_embeddings/embeddings"))
        #expect(word.byteOffset % 4 != 0)
        let tf1 = try Checkpoints.open(TestFixtures.path("tensorflow/google_bert"))
        let same = try #require(tf1.info(named: "bert/embeddings/word_embeddings"))
        #expect(try all.view(word).float32Array() == (try tf1.view(same).float32Array()))
    }

    /// A serialized graph: node 0 → "a" → node 1 (with one variable), node 1 → "b.c/d" → node 2.
    static func graph(children: [(Int, Int, String)], attributes: [(Int, String, String)], nodes: Int) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] {
            var v = UInt64(bitPattern: Int64(v)), out: [UInt8] = []
            repeat {
                out.append(UInt8(v & 0x7F) | (v > 0x7F ? 0x80 : 0))
                v >>= 7
            } while v > 0
            return out
        }
        func field(_ n: Int, _ bytes: [UInt8]) -> [UInt8] { varint(n << 3 | 2) + varint(bytes.count) + bytes }
        func string(_ n: Int, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }
        var out: [UInt8] = []
        for i in 0..<nodes {
            var node: [UInt8] = []
            for (p, c, name) in children where p == i { node += field(1, [0x08] + varint(c) + string(2, name)) }
            for (n, full, key) in attributes where n == i {
                node += field(2, string(1, "VARIABLE_VALUE") + string(2, full) + string(3, key))
            }
            out += field(1, node)
        }
        return out
    }

    @Test("object paths are escaped as TensorFlow escapes them; a cycle is walked once; a dangling child is refused")
    func decoding() throws {
        let bytes = Self.graph(
            children: [(0, 1, "a"), (1, 2, "b.c/d"), (2, 0, "back")],
            attributes: [(2, "layer/kernel", "a/b..c.Sd/.ATTRIBUTES/VARIABLE_VALUE")], nodes: 3)
        let g = try bytes.withUnsafeBytes { try ObjectGraph.decode($0) }
        let n = try #require(g.namings()["a/b..c.Sd/.ATTRIBUTES/VARIABLE_VALUE"])
        #expect(n.fullName == "layer/kernel" && n.paths == ["a/b..c.Sd"] && !n.trainingState)
        let dangling = Self.graph(children: [(0, 7, "x")], attributes: [], nodes: 1)
        #expect { _ = try dangling.withUnsafeBytes { try ObjectGraph.decode($0) } } throws: {
            "\($0)".contains("refers to node 7 of 1")
        }
    }

    @Test("a damaged object graph is refused by name: its length checksum, its CRC32C")
    func damagedGraph() throws {
        let src = TestFixtures.path("tensorflow/tf2_encoder/bert_model.ckpt-1")
        let c = try TensorBundleReader.open(src + ".index", includeAll: true)
        let dir = try TestFixtures.scratchDirectory("tfgraph")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The object graph is the last thing TF2 writes into the data file.
        let end = c.tensors.map { $0.byteOffset + $0.byteCount }.max() ?? 0
        try FileManager.default.copyItem(atPath: src + ".index", toPath: dir + "/m.index")
        let data = try Data(contentsOf: URL(fileURLWithPath: src + ".data-00000-of-00001"))
        #expect(data.count > end + 100)
        for (offset, message) in [(end + 3, "length checksum"), (data.count - 5, "CRC32C mismatch")] {
            var bad = data
            bad[offset] ^= 0x20
            try bad.write(to: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
            #expect { _ = try Checkpoints.open(dir + "/m") } throws: {
                "\($0)".contains("_CHECKPOINTABLE_OBJECT_GRAPH") && "\($0)".contains(message)
            }
        }
        try data.write(to: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
        #expect(try Checkpoints.open(dir + "/m").tensors.count == 39)
    }
}

@Suite("TF-Hub preprocess SavedModels")
struct PreprocessorTests {
    @Test("the preprocessor's vocabulary, casing (from its CaseFoldUTF8 ops) and sequence length are found")
    func detected() throws {
        let p = try TFHubPreprocessor.load(TestFixtures.path("tensorflow/hub_preprocess"))
        #expect(p.lowercase && p.seqLength == 128 && p.truncator == "round_robin")
        #expect(p.vocabFile.hasSuffix("hub_preprocess/assets/vocab.txt"))
        #expect(p.evidence.contains { $0.contains("CaseFoldUTF8") })
        let files = try p.tokenizerFiles()
        #expect(files.tokenizer.options.normalization == .tensorflowText && files.maxLength == 128)
        let info = try SavedModelInfo.read(TestFixtures.path("tensorflow/hub_encoder"))
        #expect(info.tags == ["serve"] && info.tensorflowVersion == "2.21.0" && info.assets == ["vocab.txt"])
        #expect(info.opCounts["CaseFoldUTF8"] == nil)
        #expect { _ = try TFHubPreprocessor.load(TestFixtures.path("tensorflow/hub_encoder")) } throws: {
            "\($0)".contains("not a BERT preprocess SavedModel")
        }
    }

    @Test("its ids for the reference sentences are the ones TensorFlow's preprocessor made")
    func referenceIds() throws {
        let files = try TFHubPreprocessor.load(TestFixtures.path("tensorflow/hub_preprocess")).tokenizerFiles()
        let bundle = try Checkpoints.open(TestFixtures.path("tensorflow/hub_encoder_text.reference.safetensors"))
        let texts = try JSONParser.parse(try #require(bundle.metadata["input.text"])).arrayValue?.compactMap(
            \.stringValue)
        let ids = try bundle.tensor(named: "input.input_ids")
        let values = withExtendedLifetime(ids) {
            (0..<ids.elementCount).map { ids.bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
        }
        let batch = files.tokenizer.encodeBatch(try #require(texts), maxLength: 128, padTo: 128)
        #expect(batch.flatMap(\.inputIds).map(Int64.init) == values)
    }
}
