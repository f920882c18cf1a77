import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGGUF
import WeightKitKeras
import WeightKitPyTorch
import WeightKitTensorFlow
import WeightKitTestSupport
import WeightKitTokenizer
import WeightKitVerification

/// Every input the fuzzers kept (Fuzz/corpus/TARGET, and any crash input under Fuzz/crashes)
/// goes once through the reader its target exercises, in the normal build: a crash found once
/// can never come back unnoticed, and CI needs no sanitizer build for it.
@Suite("fuzz corpus replay")
struct FuzzCorpusReplayTests {
    static let root = TestFixtures.root + "/Fuzz"

    static func inputs(_ target: String) -> [String] {
        var out: [String] = []
        for dir in ["corpus", "crashes"] {
            let d = "\(root)/\(dir)/\(target)"
            for f in (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [] { out.append(d + "/" + f) }
        }
        return out.sorted()
    }

    /// Reads every tensor of whatever opened, as the fuzz targets do.
    static func readAll(_ c: any Checkpoint) {
        for t in c.tensors {
            guard let v = try? c.view(t) else { continue }
            withExtendedLifetime(v) {
                var x: UInt8 = 0
                for b in v.bytes { x ^= b }
                _ = x
                if t.dtype.isDecodableAsReal, t.elementCount < 1 << 20 { _ = try? v.float32Array() }
            }
        }
    }

    /// The file under the name the reader expects, in a scratch directory.
    static func staged(_ input: String, as name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: input, toPath: path)
        return path
    }

    @Test(
        "each committed fuzz input is handled without a crash",
        arguments: [
            "safetensors-header", "shard-index", "wkc", "keras-hdf5", "keras-archive", "torch-zip", "pickle",
            "tokenizer",
            "reference-bundle", "json", "tf-bundle", "tf-object-graph", "tf-saved-model", "gguf",
        ])
    func replay(_ target: String) throws {
        // Inputs that make libhdf5 loop are refused when its probe times out: 2 s is plenty here.
        setenv("WEIGHTKIT_HDF5_PROBE_SECONDS", "2", 1)
        let files = Self.inputs(target)
        let dir = try TestFixtures.scratchDirectory("replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokenizer = try WordPieceTokenizer(vocabFile: TestFixtures.path("tokenizer/vocab.txt"))
        for f in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            switch target {
            case "safetensors-header":
                if let c = try? SafetensorsReader.open(f, loadConfig: false) { Self.readAll(c) }
            case "shard-index":
                for (name, tensor) in [("a.safetensors", "x"), ("b.safetensors", "y")]
                where !FileManager.default.fileExists(atPath: dir + "/" + name) {
                    let bytes = TestFixtures.safetensorsBytes([
                        (name: tensor, dtype: "F32", shape: [2], data: [UInt8](repeating: 0, count: 8))
                    ])
                    try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
                }
                if let c = try? Checkpoints.open(try Self.staged(f, as: "model.safetensors.index.json", in: dir)) {
                    Self.readAll(c)
                }
            case "wkc":
                if let c = try? WKCReader.open(f) { _ = c.verifyData(); Self.readAll(c) }
            case "keras-hdf5":
                if let c = try? KerasReader.open(f, includeAll: true) { Self.readAll(c) }
            case "keras-archive":
                if let c = try? KerasArchiveReader.open(f) { Self.readAll(c) }
            case "torch-zip":
                if let c = try? TorchReader.open(f, loadConfig: false) { Self.readAll(c); _ = c.verifyRecords() }
            case "pickle":
                struct NoGlobals: PickleRules {
                    struct Refused: Error {}
                    func global(module: String, name: String, offset: Int) throws -> PickleValue { throw Refused() }
                    func call(_ callable: String, arguments: [PickleValue], offset: Int) throws -> PickleValue {
                        throw Refused()
                    }
                    func persistentLoad(_ id: PickleValue, offset: Int) throws -> PickleValue { throw Refused() }
                    func build(_ object: PickleValue, state: PickleValue, offset: Int) throws -> PickleValue {
                        throw Refused()
                    }
                }
                _ = try? data.withUnsafeBytes { try RestrictedUnpickler().load($0, rules: NoGlobals()) }
            case "tokenizer":
                let text = String(decoding: data, as: UTF8.self)
                let fast = tokenizer.encode(text, maxLength: 1 << 20)
                let slow =
                    [tokenizer.vocab[tokenizer.cls]!]
                    + tokenizer.tokenize(text).map { tokenizer.vocab[$0] ?? tokenizer.vocab[tokenizer.unk]! } + [
                        tokenizer.vocab[tokenizer.sep]!
                    ]
                #expect(fast == slow, "\(f): the id paths disagree")
            case "tf-bundle":
                // The fuzz target's layout: the input as the .index beside a 64 KiB zero data shard.
                let shard = dir + "/input.data-00000-of-00001"
                if !FileManager.default.fileExists(atPath: shard) {
                    try Data(count: 64 << 10).write(to: URL(fileURLWithPath: shard))
                }
                let index = try Self.staged(f, as: "input.index", in: dir)
                if let c = try? TensorBundleReader.open(index, includeAll: true) { Self.readAll(c) }
                _ = try? TensorBundleReader.check(index, progress: nil)
            case "gguf":
                if let (_, c) = try? GGUFReader.open(f) {
                    Self.readAll(c)
                    _ = try? c.tokenizerFiles()
                }
                _ = try? GGUFReader.check(f, progress: nil)
            case "tf-saved-model":
                // The fuzz target's layout: the input as both saved_model.pb and keras_metadata.pb.
                _ = try Self.staged(f, as: "saved_model.pb", in: dir)
                _ = try Self.staged(f, as: "keras_metadata.pb", in: dir)
                if let info = try? SavedModelInfo.read(dir) { _ = try? info.textVectorizer() }
                _ = try? TFHubPreprocessor.load(dir)
            case "tf-object-graph":
                _ = try? data.withUnsafeBytes { try TensorBundleReader.objectGraphNames($0) }
            case "reference-bundle":
                _ = try? ReferenceBundle(path: f)
            case "json":
                _ = try? data.withUnsafeBytes { try JSONParser.parse($0) }
            default:
                Issue.record("unknown target \(target)")
            }
        }
        print("fuzz replay: \(target): \(files.count) inputs handled")
    }
}
