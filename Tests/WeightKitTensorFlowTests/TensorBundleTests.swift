import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitTensorFlow

/// Tensor bundles written by TensorFlow 2.21 (Fixtures/tensorflow/generate.py), read back against
/// what TensorFlow itself reads from them (`tf1_names.expected.json`: every variable's dtype,
/// shape and the SHA-256 of its bytes).
@Suite("TensorFlow tensor bundles written by TensorFlow")
struct TensorBundleTests {
    static let prefix = TestFixtures.path("tensorflow/tf1_names/model.ckpt")

    static func expected() throws -> [JSONValue] {
        let j = try FileSystem.readJSON(TestFixtures.path("tensorflow/tf1_names.expected.json"))
        return try #require(j["variables"]?.arrayValue)
    }

    @Test("every numeric variable TensorFlow lists has its dtype, shape and bytes; strings are listed apart")
    func matchesTensorFlow() throws {
        let c = try Checkpoints.open(Self.prefix + ".index", options: .init(includeAll: true))
        #expect(c.format == .tensorBundle)
        let dtypes = [
            "float32": DType.f32, "float16": .f16, "bfloat16": .bf16, "float64": .f64, "int32": .i32, "int64": .i64,
            "int8": .i8, "uint8": .u8, "bool": .bool,
        ]
        var numeric = 0
        for v in try Self.expected() {
            let name = try #require(v["name"]?.stringValue)
            let shape = try #require(v["shape"]?.arrayValue).compactMap(\.intValue)
            if v["dtype"]?.stringValue == "string" {
                #expect(c.metadata["tf.string." + name] != nil, "\(name) listed")
                continue
            }
            numeric += 1
            let info = try #require(c.info(named: name), "\(name)")
            #expect(info.dtype == dtypes[v["dtype"]?.stringValue ?? ""], "\(name)")
            #expect(info.shape == shape, "\(name)")
            let view = try c.view(info)
            #expect(SHA256Digest.hex(of: view.bytes) == v["sha256"]?.stringValue, "\(name) bytes")
        }
        #expect(c.tensors.count == numeric)
    }

    @Test("every path form opens the same bundle: the prefix, the .index, a data shard, the directory")
    func pathForms() throws {
        let dir = TestFixtures.path("tensorflow/tf1_names")
        for p in [Self.prefix, Self.prefix + ".index", Self.prefix + ".data-00000-of-00001", dir] {
            let c = try Checkpoints.open(p)
            #expect(c.path == Self.prefix + ".index", "\(p)")
        }
    }

    @Test(
        "a state file's absolute path, written on another machine or naming another copy, resolves beside the state file"
    )
    func stateFilePaths() throws {
        let dir = try TestFixtures.scratchDirectory("tfstate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: Self.prefix + ext, toPath: dir + "/model.ckpt" + ext)
        }
        for named in ["/home/someone/run-7/model.ckpt", Self.prefix] {
            try "model_checkpoint_path: \"\(named)\"\nall_model_checkpoint_paths: \"\(named)\"\n"
                .write(toFile: dir + "/checkpoint", atomically: true, encoding: .utf8)
            #expect(try Checkpoints.open(dir).path == dir + "/model.ckpt.index", "\(named)")
        }
    }

    @Test("global_step is training state: listed only with includeAll")
    func trainingState() throws {
        #expect(try Checkpoints.open(Self.prefix).info(named: "global_step") == nil)
        #expect(try Checkpoints.open(Self.prefix, options: .init(includeAll: true)).info(named: "global_step") != nil)
    }

    @Test("check verifies every tensor's CRC32C and finds a flipped byte, naming the tensor")
    func checksums() throws {
        let ok = try Checkpoints.check(Self.prefix)
        #expect(ok.passed && ok.tensorCount > 10, "\(ok.problems)")
        let dir = try TestFixtures.scratchDirectory("tfbundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: Self.prefix + ext, toPath: dir + "/m" + ext)
        }
        let c = try TensorBundleReader.open(dir + "/m.index")
        let word = try #require(c.info(named: "bert/embeddings/word_embeddings"))
        var data = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
        data[word.byteOffset + 17] ^= 0x40
        try data.write(to: URL(fileURLWithPath: dir + "/m.data-00000-of-00001"))
        let bad = try Checkpoints.check(dir + "/m")
        #expect(bad.problems.count == 1)
        #expect(bad.problems.first?.contains("tensor 'bert/embeddings/word_embeddings': CRC32C mismatch") == true)
    }

    @Test("a damaged index is refused by name: a flipped byte fails its block checksum, a cut one its footer")
    func damagedIndex() throws {
        let dir = try TestFixtures.scratchDirectory("tfindex")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(
            atPath: Self.prefix + ".data-00000-of-00001", toPath: dir + "/m.data-00000-of-00001")
        var index = try Data(contentsOf: URL(fileURLWithPath: Self.prefix + ".index"))
        index[40] ^= 0x01
        try index.write(to: URL(fileURLWithPath: dir + "/m.index"))
        #expect { _ = try TensorBundleReader.open(dir + "/m.index") } throws: { "\($0)".contains("badChecksum") }
        // Through the registry too: recognised by its footer, then refused for what is wrong.
        #expect { _ = try Checkpoints.open(dir + "/m.index") } throws: {
            "\($0)".contains("not a readable tensor-bundle index") && "\($0)".contains("badChecksum")
        }
        try Data(index.prefix(index.count - 10)).write(to: URL(fileURLWithPath: dir + "/cut.index"))
        #expect { _ = try TensorBundleReader.open(dir + "/cut.index") } throws: { "\($0)".contains("badMagic") }
    }

    @Test("CRC32C is Castagnoli's: the check value of \"123456789\" is e3069283")
    func crc32c() {
        let v = Array("123456789".utf8).withUnsafeBytes { CRC32C.value($0) }
        #expect(v == 0xE306_9283)
    }
}
