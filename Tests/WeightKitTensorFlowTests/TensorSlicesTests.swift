import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitTensorFlow

/// Tensors TensorFlow 2.21 saved in slices (Fixtures/tensorflow/generate_bert.py sliced): TF1
/// partitioned variables, a TF2 save that MaxShardSizePolicy cut across three shards, and a
/// 2,000-variable bundle whose index has more than one block — against the values TensorFlow
/// reads back (`expected/*.json`: SHA-256 of each tensor's bytes).
@Suite("TensorFlow sliced tensors and multi-block indexes")
struct TensorSlicesTests {
    @Test(
        "every tensor, sliced or not, has the bytes TensorFlow reads",
        arguments: [
            ("sliced/tf1_partitioned/model.ckpt", "sliced_tf1_partitioned", 2),
            ("sliced/tf2_sharded/ckpt", "sliced_tf2_sharded", 2), ("sliced/many/model.ckpt", "many", 0),
        ])
    func assembled(_ c: (String, String, Int)) throws {
        let checkpoint = try Checkpoints.open(TestFixtures.path("tensorflow/" + c.0), options: .init(includeAll: true))
        let j = try FileSystem.readJSON(TestFixtures.path("tensorflow/expected/\(c.1).json"))
        let keys = try #require(j["keys"]?.objectValue)
        var seen = 0
        for (key, v) in keys.entries where v["dtype"]?.stringValue != "string" {
            let info = try #require(checkpoint.tensors.first { $0.name == key || $0.aliases.first == key }, "\(key)")
            #expect(info.shape == v["shape"]?.arrayValue?.compactMap(\.intValue), "\(key)")
            let view = try checkpoint.view(info)  // held: an assembled tensor's copy lives as long as its view
            #expect(
                withExtendedLifetime(view) { SHA256Digest.hex(of: view.bytes) } == v["sha256"]?.stringValue, "\(key)")
            seen += 1
        }
        #expect(seen == checkpoint.tensors.count)
        #expect(checkpoint.metadata["tf.sliced_tensors"] == (c.2 == 0 ? nil : String(c.2)))
        let sliced = checkpoint.tensors.filter { !checkpoint.isStoredInPlace($0) }
        #expect(sliced.count == c.2)
        let check = try Checkpoints.check(TestFixtures.path("tensorflow/" + c.0))
        #expect(check.passed, "\(check.problems)")
    }

    @Test("the 2,000-variable index spans more than one data block")
    func multiBlock() throws {
        let file = try MappedFile(path: TestFixtures.path("tensorflow/sliced/many/model.ckpt.index"))
        let b = file.bytes
        var footer = ProtoReader(UnsafeRawBufferPointer(rebasing: b[(b.count - SSTable.footerSize)...]))
        _ = try footer.varint()
        _ = try footer.varint()
        let handle = (try footer.varint(), try footer.varint())
        let index = try SSTable.block(b, handle, name: "index")
        #expect(try SSTable.blockEntries(index, name: "index").count >= 2)
        #expect(try SSTable.entries(b).count == 2001)
    }

    @Test("slice keys are OrderedCode as TensorFlow writes them (the examples in the notes)")
    func keyEncoding() {
        func signed(_ v: Int64) -> [UInt8] {
            var out: [UInt8] = []
            TensorSlices.signedNumIncreasing(v, into: &out)
            return out
        }
        #expect(signed(0) == [0x80] && signed(4) == [0x84] && signed(-1) == [0x7F] && signed(63) == [0xBF])
        #expect(signed(64) == [0xC0, 0x40] && signed(8191) == [0xDF, 0xFF] && signed(8192) == [0xE0, 0x20, 0x00])
        #expect(signed(-65) == [0x3F, 0xBF])
        let key = TensorSlices.key(name: Array("v4/.ATTRIBUTES/VARIABLE_VALUE".utf8), extents: [(56, 8), (2, 62)])
        #expect(
            key == [0x00] + Array("v4/.ATTRIBUTES/VARIABLE_VALUE".utf8) + [
                0x00, 0x01, 0x01, 0x02, 0xB8, 0x88, 0x82, 0xBE,
            ])
        #expect(
            TensorSlices.key(name: [0x41, 0x00, 0xFF], extents: []) == [
                0x00, 0x41, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00,
            ])
    }

    @Test("slices that overlap, leave a gap or fall outside the tensor are refused, never read")
    func tiling() {
        func piece(_ start: [Int], _ length: [Int]) -> TensorSlices.Piece {
            .init(start: start, length: length, shard: 0, offset: 0, size: 0, crc: 0, label: "\(start)+\(length)")
        }
        #expect(TensorSlices.tilingProblem([piece([0, 0], [5, 4]), piece([5, 0], [5, 4])], shape: [10, 4]) == nil)
        #expect(
            TensorSlices.tilingProblem([piece([0, 0], [6, 4]), piece([5, 0], [5, 4])], shape: [10, 4])?.contains(
                "overlap") == true)
        #expect(
            TensorSlices.tilingProblem([piece([0, 0], [4, 4]), piece([5, 0], [5, 4])], shape: [10, 4])?.contains(
                "cover 36 of the tensor's 40") == true)
        #expect(
            TensorSlices.tilingProblem([piece([8, 0], [5, 4])], shape: [10, 4])?.contains("outside 10") == true)
        // Overlapping pieces whose volumes add up to the whole are still refused.
        #expect(
            TensorSlices.tilingProblem(
                [piece([0, 0], [5, 4]), piece([0, 0], [5, 2]), piece([5, 0], [5, 2])], shape: [10, 4]) != nil)
    }

    @Test("a slice entry missing from the index is refused by the tensor's name")
    func missingSlice() throws {
        let src = TestFixtures.path("tensorflow/sliced/tf1_partitioned/model.ckpt")
        let file = try MappedFile(path: src + ".index")
        let entries = try SSTable.entries(file.bytes)
        // Drop the first slice entry (keys starting with a 0 byte) and write the index again.
        var kept = entries.map { (key: $0.key, value: Array($0.value)) }
        kept.remove(at: try #require(kept.firstIndex { $0.key.first == 0 }))
        let dir = try TestFixtures.scratchDirectory("tfslices")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(TableForge.table(kept)).write(to: URL(fileURLWithPath: dir + "/m.index"))
        try FileManager.default.copyItem(atPath: src + ".data-00000-of-00001", toPath: dir + "/m.data-00000-of-00001")
        #expect { _ = try Checkpoints.open(dir + "/m") } throws: {
            "\($0)".contains("tensor 'bert/embeddings/word_embeddings' is stored in slices")
                && "\($0)".contains("has no entry")
        }
    }
}

/// Writes an SSTable as TensorFlow's table builder lays one out (one data block, no prefix
/// compression, a restart point per entry, checksummed trailers, the 48-byte footer), so tests
/// can re-write a real index with one entry changed.
enum TableForge {
    static func varint(_ v: Int) -> [UInt8] {
        var v = UInt64(v), out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v > 0x7F ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }

    static func block(_ entries: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [], restarts: [UInt32] = []
        for e in entries {
            restarts.append(UInt32(out.count))
            out += varint(0) + varint(e.key.count) + varint(e.value.count) + e.key + e.value
        }
        for r in restarts + [UInt32(restarts.count)] { withUnsafeBytes(of: r.littleEndian) { out += $0 } }
        return out
    }

    static func trailer(_ contents: [UInt8]) -> [UInt8] {
        let withType = contents + [0]
        let crc = withType.withUnsafeBytes { CRC32C.mask(CRC32C.value($0)) }
        var out = withType
        withUnsafeBytes(of: crc.littleEndian) { out += $0 }
        return out
    }

    static func table(_ entries: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        let data = block(entries)
        var file = trailer(data)
        let handle = varint(0) + varint(data.count)
        let index = block([(key: entries.last!.key + [0xFF], value: handle)])
        let indexOffset = file.count
        file += trailer(index)
        var footer = varint(0) + varint(0) + varint(indexOffset) + varint(index.count)
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        withUnsafeBytes(of: SSTable.magic.littleEndian) { footer += $0 }
        return file + footer
    }
}
