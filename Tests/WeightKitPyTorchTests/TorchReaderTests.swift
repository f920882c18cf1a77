import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitInspection
import WeightKitTestSupport
@testable import WeightKitPyTorch

/// What Fixtures/pytorch/generate.py recorded from torch itself.
struct TorchManifest {
    let files: [String: [String: Any]]
    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestFixtures.path("pytorch/manifest.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        files = try #require(root["files"] as? [String: [String: Any]])
    }
    func tensors(_ file: String) throws -> [String: [String: Any]] {
        try #require(files[file]?["tensors"] as? [String: [String: Any]])
    }
}

let torchDTypes: [String: DType] = [
    "float32": .f32, "float16": .f16, "bfloat16": .bf16, "float64": .f64, "int64": .i64, "int32": .i32,
    "int16": .i16, "int8": .i8, "uint8": .u8, "bool": .bool, "float8_e4m3fn": .f8e4m3, "float8_e5m2": .f8e5m2,
    "uint16": .u16, "uint32": .u32, "uint64": .u64,
]

@Suite("PyTorch reader: torch.save files as torch wrote them")
struct TorchReaderTests {
    @Test(
        "every tensor torch wrote reads back with its dtype, shape and exact row-major bytes; none missed, none invented",
        arguments: [
            "tensors.pt", "tensors_deflated.pt", "training_checkpoint.pt", "tiny_bert_cls_bin/pytorch_model.bin",
            "tiny_bert_bin_sharded/pytorch_model.bin.index.json",
        ])
    func tensorsMatchTorch(_ file: String) throws {
        let expected = try TorchManifest().tensors(file)
        let c = try Checkpoints.open(TestFixtures.path("pytorch/" + file))
        #expect(Set(c.tensors.map(\.name)) == Set(expected.keys))
        for t in c.tensors {
            let e = try #require(expected[t.name])
            #expect(t.dtype == torchDTypes[e["dtype"] as! String], "\(t.name)")
            #expect(t.shape == (e["shape"] as! [Int]), "\(t.name)")
            let v = try c.view(t)
            let hash = withExtendedLifetime(v) { SHA256Digest.hex(of: v.bytes) }
            #expect(hash == e["sha256"] as? String, "\(file) \(t.name)")
        }
    }

    @Test("contiguous tensors are views into the mapped file; strided ones are laid out row-major in a copy")
    func inPlace() throws {
        let c = try Checkpoints.open(TestFixtures.path("pytorch/tensors.pt"))
        #expect(c.format == .pytorch)
        for t in c.tensors {
            let strided = t.name.hasPrefix("strided.")
            #expect(c.isStoredInPlace(t) == !strided, "\(t.name)")
        }
        // A deflated archive cannot be viewed in place at all.
        let d = try Checkpoints.open(TestFixtures.path("pytorch/tensors_deflated.pt"))
        #expect(d.tensors.allSatisfy { !d.isStoredInPlace($0) })
    }

    @Test("a training checkpoint: nested keys joined with '.', optimizer state included, scalars kept as metadata")
    func trainingCheckpoint() throws {
        let c = try Checkpoints.open(TestFixtures.path("pytorch/training_checkpoint.pt"))
        #expect(c.info(named: "model.0.weight")?.shape == [3, 4])
        #expect(c.info(named: "optimizer.state.0.exp_avg")?.shape == [3, 4])
        #expect(c.metadata["epoch"] == "3" && c.metadata["note"] == "fixture")
    }

    @Test("a directory with pytorch_model.bin and config.json opens the .bin with its config")
    func directory() throws {
        let c = try Checkpoints.open(TestFixtures.path("pytorch/tiny_bert_cls_bin"))
        #expect(c.format == .pytorch)
        guard case .object(let o)? = c.modelConfig else { Issue.record("no config"); return }
        #expect(o["hidden_size"] == .int(32))
        let s = try Checkpoints.open(TestFixtures.path("pytorch/tiny_bert_bin_sharded"))
        #expect(s.format == .shardedPyTorch && s.files.count == 3)
    }

    @Test(
        "hostile pickles that run code under torch.load(weights_only=False) are refused, naming the global, and run nothing",
        arguments: [
            ("hostile_system.pt", "posix.system"), ("hostile_eval.pt", "__builtin__.eval"),
            ("hostile_class.pt", "__main__.Unknown"),
        ])
    func hostile(_ c: (String, String)) throws {
        let manifest = try TorchManifest()
        if c.0 != "hostile_class.pt" {
            // The fixture is live: torch really executed it when allowed to.
            #expect(manifest.files[c.0]?["runs_code_under_weights_only_false"] as? Bool == true)
        }
        let marker = FileManager.default.currentDirectoryPath + "/weightkit_hostile_marker"
        try? FileManager.default.removeItem(atPath: marker)
        #expect {
            _ = try Checkpoints.open(TestFixtures.path("pytorch/" + c.0))
        } throws: { error in
            guard case .forbiddenGlobal(_, _, let global)? = error as? TorchFormatError else { return false }
            return global == c.1 && "\(error)".contains(c.1) && "\(error)".contains("nothing was executed")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test(
        "formats that are not a zip state dict get a clear error",
        arguments: [
            ("legacy.pt", "unsupported legacy PyTorch format"),
            ("torchscript.pt", "TorchScript archive"),
            ("malformed/truncated.pt", "no end-of-central-directory record"),
            ("malformed/missing_record.pt", "has no record 'tensors/data/0'"),
            (
                "malformed/short_record.pt",
                "record 'tensors/data/0' holds 56 bytes but the pickle declares 15 elements of 4 bytes"
            ),
            ("malformed/truncated_pickle.pt", "data.pkl at byte 200: truncated"),
        ])
    func refused(_ c: (String, String)) throws {
        let path = TestFixtures.path("pytorch/" + c.0)
        #expect(try TorchManifest().files[c.0]?["torch"] != nil)
        do {
            _ = try Checkpoints.open(path)
            Issue.record("\(c.0) opened")
        } catch {
            #expect("\(error)".contains(c.1), "\(error)")
            #expect("\(error)".contains(path), "the error names the file: \(error)")
        }
    }

    @Test("check verifies every record's CRC-32 and finds a flipped byte in tensor data")
    func check() throws {
        let src = TestFixtures.path("pytorch/tensors.pt")
        let good = CheckReport(try Checkpoints.check(src))
        #expect(good.passed && good.tensorCount == 25, "\(good.text)")
        let dir = try TestFixtures.scratchDirectory("torchcheck")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: src)))
        let c = try Checkpoints.open(src)
        let t = try #require(c.info(named: "dtype.float32"))
        bytes[t.byteOffset + 5] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/flipped.pt"))
        let bad = CheckReport(try Checkpoints.check(dir + "/flipped.pt"))
        #expect(!bad.passed && bad.problems.count == 1 && bad.problems[0].contains("tensors/data/0"), "\(bad.text)")
    }
}
