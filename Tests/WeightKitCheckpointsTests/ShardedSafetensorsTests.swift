import Foundation
import Testing
import WeightKitFormats
@testable import WeightKitCheckpoints

@Suite("sharded safetensors (index + shards written by safetensors / huggingface_hub)")
struct ShardedSafetensorsTests {
    /// A scratch copy of the sharded fixture, so tests can break it.
    func copyFixture() throws -> String {
        let dir = try Fixture.scratchDirectory("sharded")
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixture.path("safetensors/sharded")) {
            try FileManager.default.copyItem(
                atPath: Fixture.path("safetensors/sharded/" + name), toPath: dir + "/" + name)
        }
        return dir
    }

    func editIndex(_ dir: String, _ edit: (inout JSONObject) -> Void) throws {
        let path = dir + "/model.safetensors.index.json"
        guard case .object(var root) = try FileSystem.readJSON(path), case .object(var map)? = root["weight_map"] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        edit(&map)
        root["weight_map"] = .object(map)
        try JSONValue.object(root).serialized(indent: 2).write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("a directory and its index open to the same tensors, matching what safetensors wrote")
    func opensDirectoryAndIndex() throws {
        let expected = try #require(try Fixture.json("safetensors/sharded.expected.json")["tensors"]?.objectValue)
        for path in [
            Fixture.path("safetensors/sharded"), Fixture.path("safetensors/sharded/model.safetensors.index.json"),
        ] {
            let c = try Checkpoints.open(path)
            #expect(c.format == .shardedSafetensors)
            #expect(c.files.count == 3)
            #expect(Set(c.tensors.map(\.name)) == Set(expected.keys))
            for t in c.tensors {
                #expect(SHA256Digest.hex(of: try c.view(t).bytes) == expected[t.name]?["sha256"]?.stringValue)
            }
            #expect(c.modelConfig?["model_type"]?.stringValue == "toy")
            #expect(c.metadata["index.total_size"] == "6144")
        }
    }

    @Test("a shard named by the index but absent is an error naming it")
    func missingShard() throws {
        let dir = try copyFixture()
        try FileManager.default.removeItem(atPath: dir + "/model-00002-of-00003.safetensors")
        #expect {
            _ = try Checkpoints.open(dir)
        } throws: { e in
            "\(e)".contains("shard 'model-00002-of-00003.safetensors' named by the index does not exist")
        }
    }

    @Test("a shard tensor the index assigns to another shard is an error")
    func tensorAssignedElsewhere() throws {
        let dir = try copyFixture()
        // layer 2 lives in shard 2, which the index still names for layer 3.
        try editIndex(dir) { $0["encoder.layer.2.dense.weight"] = .string("model-00001-of-00003.safetensors") }
        #expect {
            _ = try Checkpoints.open(dir)
        } throws: { e in
            let text = "\(e)"
            return text.contains(
                "shard 'model-00002-of-00003.safetensors' contains tensor 'encoder.layer.2.dense.weight', which the index assigns to 'model-00001-of-00003.safetensors'"
            )
                && text.contains(
                    "tensor 'encoder.layer.2.dense.weight' is assigned to shard 'model-00001-of-00003.safetensors' but that shard does not contain it"
                )
        }
    }

    @Test("a shard tensor the index does not list is an error (the index is an allowlist)")
    func tensorNotInIndex() throws {
        let dir = try copyFixture()
        try editIndex(dir) { $0["encoder.layer.3.dense.weight"] = nil }
        #expect {
            _ = try Checkpoints.open(dir)
        } throws: { e in
            (e as? ShardIndexError)
                == .tensorNotInIndex(
                    index: dir + "/model.safetensors.index.json", tensor: "encoder.layer.3.dense.weight",
                    shard: "model-00002-of-00003.safetensors")
        }
    }

    @Test(
        "shard names that leave the index's directory are refused",
        arguments: ["../model-00001-of-00003.safetensors", "/etc/passwd", ".."])
    func pathTraversal(_ shard: String) throws {
        let dir = try copyFixture()
        try editIndex(dir) { $0["embeddings.weight"] = .string(shard) }
        #expect {
            _ = try Checkpoints.open(dir)
        } throws: { e in
            "\(e)".contains("shard name '\(shard)' is not a plain file name beside the index")
        }
    }
}
