import Foundation
import Testing
import WeightKitTestSupport
import WeightKitCheckpoints
import WeightKitFormats
@testable import WeightKitKeras

enum KerasFixture {
    static let root = TestFixtures.root
    static func path(_ rel: String) -> String { root + "/Fixtures/keras/" + rel }

    /// Every .h5 fixture that has an h5py description beside it.
    static let described: [String] = {
        let dir = root + "/Fixtures/keras"
        let all = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        return all.filter { $0.hasSuffix(".h5py.json") }.map { String($0.dropLast(".h5py.json".count)) + ".h5" }
            .filter {
                !["not_keras.h5", "dangling_weight.h5", "truncated.h5"].contains(($0 as NSString).lastPathComponent)
            }
            .sorted()
    }()
}

/// h5py's dtype spelling → safetensors spelling.
func dtypeFromH5py(_ s: String) -> String? {
    switch s {
    case "float32", ">f4", "<f4": return "F32"
    case "float16": return "F16"
    case "float64": return "F64"
    case "|V2", "V2": return "BF16"
    case "int64": return "I64"
    case "int32": return "I32"
    case "bool": return "BOOL"
    default: return nil
    }
}

@Suite("Keras / Hugging Face HDF5 checkpoints written by the real frameworks")
struct KerasReaderTests {
    @Test("the fixtures are there", .tags(.kerasFixtures))
    func fixturesExist() {
        #expect(KerasFixture.described.count >= 12, "\(KerasFixture.described)")
    }

    @Test(
        "every tensor read through libhdf5 is bit-identical to what h5py saw, and none is missed",
        arguments: KerasFixture.described)
    func matchesH5py(_ rel: String) throws {
        let path = KerasFixture.path(rel)
        let expected = try FileSystem.readJSON(String(path.dropLast(3)) + ".h5py.json")
        let datasets = try #require(expected["datasets"]?.arrayValue)
        let c = try KerasReader.open(path)
        let prefix =
            c.metadata["keras.layout"] == "legacy"
                && datasets.contains { $0["path"]?.stringValue?.hasPrefix("model_weights/") == true }
            ? "model_weights/" : ""
        var byPath: [String: JSONValue] = [:]
        for d in datasets { if let p = d["path"]?.stringValue { byPath[p] = d } }
        let modelDatasets = byPath.keys.filter { !$0.hasPrefix("optimizer") && !$0.hasPrefix("metrics/") }
        #expect(c.tensors.isEmpty == modelDatasets.isEmpty, "\(rel): \(c.tensors.count) tensors")
        for t in c.tensors {
            let d = try #require(byPath[prefix + t.name], "\(rel): \(t.name) not seen by h5py")
            #expect(d["shape"]?.arrayValue?.compactMap(\.intValue) == t.shape, "\(rel): \(t.name)")
            if let want = d["dtype"]?.stringValue.flatMap(dtypeFromH5py) {
                #expect(t.dtype.rawValue == want, "\(rel): \(t.name) \(t.dtype) vs h5py \(d["dtype"]!)")
            }
            let view = try c.view(t)
            let sha = d["sha256"]?.stringValue
            if d["dtype"]?.stringValue?.hasPrefix(">") == true {
                // big-endian storage: we convert to little-endian; compare values instead
                continue
            }
            #expect(SHA256Digest.hex(of: view.bytes) == sha, "\(rel): \(t.name) bytes differ")
        }
        // Completeness: every dataset outside optimizer / metric state is listed.
        let listed = Set(c.tensors.map { prefix + $0.name })
        for p in byPath.keys where !p.hasPrefix("optimizer") && !p.hasPrefix("metrics/") {
            if c.metadata["keras.layout"] == "legacy" && !p.hasPrefix(prefix) { continue }
            #expect(listed.contains(p), "\(rel): dataset \(p) not listed")
        }
        // Legacy files: the order comes from layer_names / weight_names.
        if let order = expected["legacy_order"]?.arrayValue?.compactMap(\.stringValue) {
            #expect(c.tensors.map(\.name) == order, "\(rel): order differs from layer_names/weight_names")
        }
    }

    @Test("textclf in every Keras variant has the same 22 weights with the same shapes")
    func textclfVariants() throws {
        for rel in ["textclf_k2_weights.h5", "textclf_k2.h5", "textclf_k3_legacy.h5", "textclf_k3.weights.h5"] {
            let c = try KerasReader.open(KerasFixture.path(rel))
            #expect(c.tensors.count == 22, "\(rel): \(c.tensors.count)")
            let shapes = c.tensors.map(\.shape).sorted { $0.lexicographicallyPrecedes($1) }
            #expect(
                shapes.contains([32, 2, 32]) && shapes.contains([2, 32, 32]) && shapes.contains([1000, 32]), "\(rel)")
        }
    }

    @Test("legacy weight names carry layer, role and position; names need not start with the layer")
    func legacyAnnotations() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k2_weights.h5"))
        #expect(c.format == .kerasLegacyH5)
        let ffn = try #require(
            c.tensors.first { $0.name.hasSuffix("/dense/kernel:0") && $0.name.hasPrefix("transformer_block/") })
        #expect(ffn.name == "transformer_block/dense/kernel:0")
        let a = try #require(c.annotations[ffn.name])
        #expect(a.layer == "transformer_block" && a.role == "kernel")
        let q = try #require(c.annotations["transformer_block/transformer_block/multi_head_attention/query/kernel:0"])
        #expect(q.position == 0 && q.role == "kernel")
    }

    @Test("full-model .h5: model_config exposed, optimizer skipped unless --all")
    func fullModel() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k2.h5"))
        #expect(c.modelConfig?["class_name"]?.stringValue == "Functional")
        #expect(!c.tensors.contains { $0.name.hasPrefix("optimizer") })
        let all = try KerasReader.open(KerasFixture.path("textclf_k2.h5"), includeAll: true)
        #expect(all.tensors.count == 22 + 45, "\(all.tensors.count)")
        let k3 = try KerasReader.open(KerasFixture.path("textclf_k3.weights.h5"), includeAll: true)
        #expect(k3.tensors.contains { $0.name.hasPrefix("optimizer/vars/") })
    }

    @Test("Keras 3 .weights.h5: vars indices in numeric order, class-name keys")
    func keras3Order() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k3.weights.h5"))
        #expect(c.format == .keras3WeightsH5)
        let q = c.tensors.map(\.name).filter { $0.hasPrefix("layers/transformer_block/att/query_dense/vars/") }
        #expect(
            q == ["layers/transformer_block/att/query_dense/vars/0", "layers/transformer_block/att/query_dense/vars/1"])
        #expect(c.info(named: "layers/dense_1/vars/0")?.shape == [20, 4])
    }

    @Test(
        "bfloat16: opaque 2-byte datasets are BF16, with or without the @dtype marker",
        arguments: ["textclf_k3_bf16.weights.h5", "textclf_k3_bf16_legacy.h5"])
    func bfloat16(_ rel: String) throws {
        let c = try KerasReader.open(KerasFixture.path(rel))
        #expect(c.tensors.allSatisfy { $0.dtype == .bf16 }, "\(Set(c.tensors.map(\.dtype)))")
        let gamma = try #require(
            c.tensors.first { $0.name.contains("layernorm1") || $0.name.contains("layer_normalization") })
        #expect(try c.view(gamma).float32Array().allSatisfy { $0 == 1 }, "LayerNorm gamma initialises to ones")
    }

    @Test("float16 variables are F16 and decode")
    func float16() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k3_f16.weights.h5"))
        #expect(c.tensors.allSatisfy { $0.dtype == .f16 })
    }

    @Test("split weight_names attributes (fixed-length pieces) are joined")
    func splitAttributes() throws {
        let c = try KerasReader.open(KerasFixture.path("split_attrs_k2.h5"))
        #expect(c.tensors.count == 3000)
        #expect(c.annotations[c.tensors[2999].name]?.position == 2999)
    }

    @Test("Hugging Face tf_model.h5: HF names, config.json beside the file")
    func huggingFace() throws {
        let c = try Checkpoints.open(KerasFixture.path("hf_bert"))
        #expect(c.tensors.count == 39)
        #expect(c.info(named: "bert/tf_bert_model/bert/embeddings/word_embeddings/weight:0")?.shape == [99, 32])
        #expect(
            c.info(named: "bert/tf_bert_model/bert/encoder/layer_._1/attention/self/query/kernel:0")?.shape == [32, 32])
        #expect(c.modelConfig?["model_type"]?.stringValue == "bert")
        let cls = try Checkpoints.open(KerasFixture.path("hf_bert_cls/tf_model.h5"))
        #expect(cls.tensors.contains { $0.name.hasSuffix("classifier/kernel:0") && $0.shape == [32, 3] })
    }

    @Test("chunked, compressed, big-endian storage is read through H5Dread with the right values")
    func chunkedStorage() throws {
        let c = try KerasReader.open(KerasFixture.path("chunked_k3.weights.h5"))
        let k = try #require(c.info(named: "layers/dense/vars/0"))
        #expect(!c.isReadInPlace(k.name))
        #expect(c.isReadInPlace("layers/dense/vars/1"))
        #expect(try c.tensor(named: k.name).float32Array() == (0..<12).map(Float.init))
    }

    @Test("contiguous datasets are views into the mapped file (no copy)")
    func zeroCopy() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k3.weights.h5"))
        #expect(c.tensors.allSatisfy { c.isReadInPlace($0.name) })
    }
}

@Suite("bad HDF5 input")
struct KerasBadInputTests {
    @Test("an HDF5 file that is not a Keras checkpoint")
    func notKeras() {
        #expect { _ = try KerasReader.open(KerasFixture.path("not_keras.h5")) } throws: { e in
            guard case .notKerasCheckpoint(let f, let found)? = e as? KerasCheckpointError else { return false }
            return f.hasSuffix("not_keras.h5") && found.contains("data")
        }
    }

    @Test("a dangling weight name is named with its layer")
    func dangling() {
        #expect { _ = try KerasReader.open(KerasFixture.path("dangling_weight.h5")) } throws: { e in
            guard case .danglingWeightName(_, _, let w)? = e as? KerasCheckpointError else { return false }
            return w == "no_such/kernel:0"
        }
    }

    @Test("a truncated file is an HDF5 error naming the file")
    func truncated() {
        #expect { _ = try KerasReader.open(KerasFixture.path("truncated.h5")) } throws: { e in
            "\(e)".contains("truncated.h5")
        }
    }
}

extension Tag {
    @Tag static var kerasFixtures: Self
}

@Suite(".keras archives")
struct KerasArchiveTests {
    @Test("a Keras 3 .keras holds exactly the tensors of the same model's .weights.h5")
    func keras3Archive() throws {
        let a = try Checkpoints.open(KerasFixture.path("textclf_k3.keras"))
        let w = try Checkpoints.open(KerasFixture.path("textclf_k3.weights.h5"))
        #expect(a.format == .kerasArchive)
        #expect(a.tensors.map(\.name) == w.tensors.map(\.name))
        for t in w.tensors {
            #expect(try a.tensor(named: t.name).copyBytes() == (try w.view(t)).copyBytes(), "\(t.name)")
        }
        #expect(a.modelConfig?["class_name"]?.stringValue == "Functional")
        #expect(a.metadata["keras.keras_version"] == "3.15.1")
    }

    @Test("a tf_keras .keras uses the private MHA attribute names and stores metric state")
    func tfKerasArchive() throws {
        let a = try Checkpoints.open(KerasFixture.path("textclf_k2.keras"))
        #expect(a.tensors.count == 22)
        #expect(a.tensors.contains { $0.name == "layers/transformer_block/att/_query_dense/vars/0" })
        let all = try Checkpoints.open(KerasFixture.path("textclf_k2.keras"), options: .init(includeAll: true))
        #expect(all.tensors.contains { $0.name.hasPrefix("metrics/") })
    }

    @Test(
        "hostile archives are refused with the entry named",
        arguments: [
            ("zip_traversal.keras", "../escape.txt"), ("zip_symlink.keras", "link"),
            ("zip_bomb.keras", "model.weights.h5"),
        ])
    func hostile(_ c: (String, String)) {
        #expect { _ = try Checkpoints.open(KerasFixture.path(c.0)) } throws: { e in
            guard let err = e as? KerasArchiveError else { return false }
            switch err {
            case .unsafeEntry(_, let entry, _), .entryTooLarge(_, let entry, _, _): return entry == c.1
            default: return false
            }
        }
    }
}

@Suite("sharded Keras 3 and Hugging Face TF checkpoints")
struct ShardedKerasTests {
    func copy(_ files: [String], editIndex index: String, _ edit: (inout JSONObject) -> Void) throws -> String {
        let dir = NSTemporaryDirectory() + "weightkit-kshard-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in files {
            try FileManager.default.copyItem(
                atPath: KerasFixture.path(f), toPath: dir + "/" + (f as NSString).lastPathComponent)
        }
        let p = dir + "/" + (index as NSString).lastPathComponent
        guard case .object(var root) = try FileSystem.readJSON(p), case .object(var map)? = root["weight_map"] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        edit(&map)
        root["weight_map"] = .object(map)
        try JSONValue.object(root).serialized(indent: 2).write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test("Keras 3 shards: the same tensors and bytes as the unsharded save of the same model")
    func keras3Sharded() throws {
        let s = try Checkpoints.open(KerasFixture.path("textclf_k3_sharded.weights.json"))
        let w = try Checkpoints.open(KerasFixture.path("textclf_k3.weights.h5"))
        #expect(s.format == .kerasShardedH5)
        #expect(Set(s.tensors.map(\.name)) == Set(w.tensors.map(\.name)))
        for t in w.tensors {
            #expect(try s.tensor(named: t.name).copyBytes() == (try w.view(t)).copyBytes(), "\(t.name)")
        }
        let all = try Checkpoints.open(
            KerasFixture.path("textclf_k3_sharded.weights.json"), options: .init(includeAll: true))
        #expect(
            all.tensors.filter { $0.name.hasPrefix("optimizer/vars/") }.count == 46,
            "a vars group split over three shards is joined")
    }

    @Test("Hugging Face TF shards: index names with the model prefix, same bytes as tf_model.h5")
    func hfSharded() throws {
        let s = try Checkpoints.open(KerasFixture.path("hf_bert_sharded"))
        let single = try Checkpoints.open(KerasFixture.path("hf_bert/tf_model.h5"))
        #expect(s.tensors.count == 39)
        for t in s.tensors {
            #expect(t.name.hasPrefix("tf_bert_model/bert/"))
            #expect(try s.view(t).copyBytes() == (try single.tensor(named: "bert/" + t.name)).copyBytes(), "\(t.name)")
        }
        #expect(s.modelConfig?["model_type"]?.stringValue == "bert")
    }

    @Test("a missing shard is named")
    func missingShard() throws {
        let shards = (1...5).map { "hf_bert_sharded/tf_model-0000\($0)-of-00005.h5" }.filter { !$0.contains("00003") }
        let index = try copy(shards + ["hf_bert_sharded/tf_model.h5.index.json"], editIndex: "tf_model.h5.index.json") {
            _ in
        }
        #expect { _ = try Checkpoints.open(index) } throws: { e in
            "\(e)".contains("shard 'tf_model-00003-of-00005.h5' named by the index does not exist")
        }
    }

    @Test("a shard tensor the index does not list is an error")
    func notInIndex() throws {
        let files = ["textclf_k3_sharded.weights.json"] + (0...3).map { "textclf_k3_sharded_0000\($0).weights.h5" }
        let index = try copy(files, editIndex: "textclf_k3_sharded.weights.json") { $0["/layers/dense/vars"] = nil }
        #expect { _ = try Checkpoints.open(index) } throws: { e in
            "\(e)".contains("contains tensor 'layers/dense/vars/0', which the index does not list")
        }
    }
}

@Suite(".keras details")
struct KerasArchiveDetailTests {
    @Test("deflated entries read the same as stored ones")
    func deflated() throws {
        let d = try Checkpoints.open(KerasFixture.path("textclf_k3_deflated.keras"))
        let s = try Checkpoints.open(KerasFixture.path("textclf_k3.keras"))
        #expect(d.tensors.map(\.name) == s.tensors.map(\.name))
        for t in s.tensors { #expect(try d.tensor(named: t.name).copyBytes() == (try s.view(t)).copyBytes()) }
    }

    @Test("Keras 3 layers are named from @name when the file has it")
    func layerNames() throws {
        let c = try KerasReader.open(KerasFixture.path("textclf_k3.weights.h5"))
        #expect(c.annotations["layers/dense/vars/0"]?.layer.hasPrefix("dense") == true)
        #expect(c.annotations["layers/transformer_block/att/query_dense/vars/0"]?.layer == "query")
    }
}

@Suite(".keras conversion")
struct KerasArchiveConversionTests {
    @Test("a .keras archive converts to .wkc with the archive's SHA-256 in the provenance")
    func convertArchive() throws {
        let src = try Checkpoints.open(KerasFixture.path("textclf_k3.keras"))
        #expect(src.files == [KerasFixture.path("textclf_k3.keras")])
        let dir = NSTemporaryDirectory() + "weightkit-kconv-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Converter.convert(src, to: dir + "/k.wkc")
        let wkc = try WKCReader.open(dir + "/k.wkc")
        #expect(wkc.verifyData().isEmpty)
        let archive = try MappedFile(path: KerasFixture.path("textclf_k3.keras"))
        #expect(
            wkc.provenance?["source_files"]?.arrayValue?.first?["sha256"]?.stringValue
                == SHA256Digest.hex(of: archive.bytes))
        for t in src.tensors { #expect(try wkc.tensor(named: t.name).copyBytes() == (try src.view(t)).copyBytes()) }
    }
}

/// Inputs the fuzzers found that break libhdf5 itself (ROBUSTNESS.md): WeightKit refuses them.
@Suite("libhdf5 failures found by fuzzing are contained", .serialized)
struct HDF5ContainmentTests {
    @Test("a corrupt global heap that makes libhdf5 loop forever: refused after the probe's time limit")
    func endlessLoop() throws {
        setenv("WEIGHTKIT_HDF5_PROBE_SECONDS", "2", 1)
        defer { unsetenv("WEIGHTKIT_HDF5_PROBE_SECONDS") }
        let path = TestFixtures.root + "/Fuzz/crashes/keras-hdf5/timeout-libhdf5-global-heap-loop.h5"
        let start = Date()
        #expect { _ = try Checkpoints.open(path) } throws: { e in
            guard case .unsafeHDF5(let f, let d)? = e as? KerasCheckpointError else { return false }
            return f == path && d.contains("did not finish")
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test("a symbol table whose names libhdf5 copies past their end (ASan: heap overflow in H5MM_strdup): refused")
    func overread() throws {
        let path = TestFixtures.root + "/Fuzz/crashes/keras-archive/crash-libhdf5-symbol-table-overread.keras"
        #expect { _ = try Checkpoints.open(path) } throws: { e in
            guard case .unsafeHDF5(let f, _)? = e as? KerasCheckpointError else { return false }
            return f.hasPrefix(path)
        }
    }
}

@Suite("threads may start only after the HDF5 probe's fork")
struct ForkedProbeTests {
    /// The children the calling thread has forked and not yet reaped (Linux).
    static func childrenOfThisThread() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/children", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// `convert` starts hashing its source on another thread from `whenThreadsMayStart`: for an
    /// HDF5 file that must come after the probe child was forked (the child is still running
    /// then), for other formats at once; once per open.
    @Test func whenThreadsMayStart() throws {
        let root = TestFixtures.root + "/Fixtures/"
        let cases: [(String, Bool)] = [
            ("keras/hf_bert_cls/tf_model.h5", true), ("keras/textclf_k3.weights.h5", true),
            ("keras/textclf_k3.keras", true), ("keras/hf_bert", true),
            ("keras/hf_bert_sharded/tf_model.h5.index.json", false),
            ("safetensors/mixed.safetensors", false), ("safetensors/sharded/model.safetensors.index.json", false),
            ("pytorch/tensors.pt", false),
        ]
        for (path, probed) in cases {
            final class Calls: @unchecked Sendable { var children: [String] = [] }
            let calls = Calls()
            _ = try Checkpoints.open(
                root + path, options: .init(whenThreadsMayStart: { calls.children.append(Self.childrenOfThisThread()) })
            )
            #expect(calls.children.count == 1, "\(path): called \(calls.children.count) times")
            #if os(Linux)
            if probed {
                #expect(calls.children.first?.isEmpty == false, "\(path): called before the probe child existed")
            }
            #endif
        }
    }
}
