import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitTensorFlow

/// Damaged bundles made from the ones TensorFlow wrote: one entry of the real index changed and the
/// index written again (`TableForge`), or a file removed. Each is refused with its own error naming
/// the file and the tensor, without reading past what the files hold.
@Suite("TensorFlow bundles, damaged")
struct MalformedBundleTests {
    /// `BundleEntryProto` on the wire (the reader's `Entry` fields).
    static func encode(_ e: TensorBundleReader.Entry) -> [UInt8] {
        typealias F = TableForge
        func field(_ n: Int, _ b: [UInt8]) -> [UInt8] { F.varint(n << 3 | 2) + F.varint(b.count) + b }
        func number(_ n: Int, _ v: Int) -> [UInt8] { F.varint(n << 3) + F.varint(v) }
        var shape: [UInt8] = []
        for d in e.shape { shape += field(2, number(1, d)) }
        var out = number(1, e.dtype) + field(2, shape) + number(3, e.shard) + number(4, e.offset) + number(5, e.size)
        out += [0x35]  // field 6, fixed32
        withUnsafeBytes(of: e.crc.littleEndian) { out += $0 }
        for s in e.extents {
            var slice: [UInt8] = []
            for x in s { slice += field(1, number(1, x.start) + (x.length < 0 ? [] : number(2, x.length))) }
            out += field(7, slice)
        }
        return out
    }

    /// A copy of a fixture bundle in a scratch directory, its index entries passed through `edit`.
    static func damaged(
        _ fixture: String, _ edit: (inout [(key: [UInt8], value: [UInt8])]) throws -> Void
    ) throws -> String {
        let src = TestFixtures.path("tensorflow/" + fixture)
        let dir = try TestFixtures.scratchDirectory("tfbad")
        let name = FileSystem.lastComponent(of: src)
        for f in try FileManager.default.contentsOfDirectory(atPath: FileSystem.directory(of: src))
        where f.hasPrefix(name + ".data-") {
            try FileManager.default.copyItem(atPath: FileSystem.directory(of: src) + "/" + f, toPath: dir + "/" + f)
        }
        let index = try MappedFile(path: src + ".index")
        var entries = try SSTable.entries(index.bytes).map { (key: $0.key, value: Array($0.value)) }
        try edit(&entries)
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        try Data(TableForge.table(entries)).write(to: URL(fileURLWithPath: dir + "/" + name + ".index"))
        return dir + "/" + name
    }

    static func change(
        _ entries: inout [(key: [UInt8], value: [UInt8])], _ key: String,
        _ edit: (inout TensorBundleReader.Entry) -> Void
    ) throws {
        let i = try #require(entries.firstIndex { $0.key == Array(key.utf8) }, "\(key)")
        var e = try entries[i].value.withUnsafeBytes { try TensorBundleReader.entry($0, file: "", tensor: key) }
        edit(&e)
        entries[i].value = Self.encode(e)
    }

    static let word = "bert/embeddings/word_embeddings"

    @Test("the forge itself: an unchanged index re-written reads as the original")
    func roundTrip() throws {
        let path = try Self.damaged("google_bert/bert_model.ckpt") { _ in }
        let a = try Checkpoints.open(path), b = try Checkpoints.open(TestFixtures.path("tensorflow/google_bert"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name) && a.tensors.count == 46)
        #expect(try Checkpoints.check(path).passed)
    }

    @Test("an offset past its shard, a size that disagrees with the shape, a huge shape: each named")
    func entries() throws {
        let cases: [(String, (inout TensorBundleReader.Entry) -> Void)] = [
            ("ends at byte", { $0.offset = 1 << 40 }),
            ("bytes stored", { $0.size -= 4 }),
            ("bytes stored", { $0.shape = [1 << 39, 1 << 39] }),
            ("shard 3 of 1", { $0.shard = 3 }),
            ("TensorFlow dtype 21", { $0.dtype = 21 }),
        ]
        for (message, edit) in cases {
            let path = try Self.damaged("google_bert/bert_model.ckpt") { try Self.change(&$0, Self.word, edit) }
            #expect { _ = try Checkpoints.open(path) } throws: {
                "\($0)".contains("tensor '\(Self.word)'") && "\($0)".contains(message) && "\($0)".contains(path)
            }
            let check = try Checkpoints.check(path)
            #expect(!check.passed && check.problems.first?.contains(message) == true, "\(check.problems)")
        }
    }

    @Test("check reports every damaged entry, not only the first")
    func everyProblem() throws {
        let other = "bert/encoder/layer_1/output/dense/kernel"
        let path = try Self.damaged("google_bert/bert_model.ckpt") {
            try Self.change(&$0, Self.word) { $0.offset = 1 << 40 }
            try Self.change(&$0, other) { $0.size += 1 }
        }
        let check = try Checkpoints.check(path)
        #expect(check.problems.count == 2, "\(check.problems)")
        #expect(check.problems.contains { $0.contains(Self.word) } && check.problems.contains { $0.contains(other) })
        #expect(check.tensorCount == 44)
    }

    @Test("a missing data shard, and a header claiming 100,000 shards, are refused by the shard's name")
    func shards() throws {
        let path = try Self.damaged("sliced/tf2_sharded/ckpt") { _ in }
        try FileManager.default.removeItem(atPath: path + ".data-00001-of-00003")
        #expect { _ = try Checkpoints.open(path) } throws: {
            "\($0)".contains("'ckpt.data-00001-of-00003' does not exist")
        }
        let many = try Self.damaged("google_bert/bert_model.ckpt") { e in
            e[0].value = TableForge.varint(1 << 3) + TableForge.varint(100_000)  // num_shards
        }
        #expect { _ = try Checkpoints.open(many) } throws: { "\($0)".contains("data-00000-of-100000' does not exist") }
    }

    @Test("slices that overlap (one re-keyed to rows 3…6 of a 10-row tensor) are refused, not read")
    func overlappingSlices() throws {
        let path = try Self.damaged("sliced/tf1_partitioned/model.ckpt") { entries in
            var full: TensorBundleReader.Entry?
            try Self.change(&entries, Self.word) { e in
                e.extents[1] = [(3, 3), (0, 4)]  // was rows 4…7
                full = e
            }
            let old = TensorSlices.key(name: Array(Self.word.utf8), extents: [(4, 3), (0, 4)])
            let i = try #require(entries.firstIndex { $0.key == old }, "slice entry")
            entries[i].key = TensorSlices.key(name: Array(Self.word.utf8), extents: full!.extents[1])
        }
        #expect { _ = try Checkpoints.open(path) } throws: {
            "\($0)".contains("tensor '\(Self.word)' is stored in slices") && "\($0)".contains("overlap")
        }
    }
}
