import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// `convert … -o model.gguf`: a BERT for llama.cpp, read back by WeightKit and by gguf-py (the
/// gguf package of llama.cpp, pinned in Fixtures/requirements-safetensors.txt, which Scripts/test.sh
/// installs; required in CI).
@Suite("CLI: BERT to GGUF")
struct GGUFCLITests {
    static let python = ProcessInfo.processInfo.environment["WEIGHTKIT_PYTHON"]
    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func gguf(_ source: String, _ extra: [String] = []) throws -> String {
        let out = try CLI.scratch() + "/model.gguf"
        let r = try CLI.run(["convert", source, "-o", out] + extra)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return out
    }

    static func readWithGGUFPy(_ path: String, source: String) throws -> JSONValue {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(python))
        p.arguments = [TestFixtures.root + "/Tests/Interop/read_gguf.py", path, source]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return try JSONParser.parse([UInt8](data))
    }

    @Test("a Google BERT directory: llama.cpp's names and keys, norms F32, the phantom-space vocabulary; check passes")
    func googleBert() throws {
        let path = try Self.gguf(CLI.fixture("tensorflow/google_bert"))
        #expect(try CLI.run("check", path).status == 0)
        let j = try JSONParser.parse(Array(try CLI.run("inspect", path, "--json").stdout.utf8))
        let names = (j["tensors"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names.contains("token_embd.weight") && names.contains("blk.1.layer_output_norm.bias"))
        #expect(names.count == 37 && !names.contains { $0.hasPrefix("cls") })  // no head: the pooler is dropped
        let meta = j["metadata"]
        #expect(meta?["gguf.general.architecture"]?.stringValue == "bert")
        #expect(meta?["gguf.bert.attention.causal"]?.stringValue == "false")
        #expect(
            meta?["gguf.tokenizer.ggml.tokens"]?.stringValue?.contains("[PAD], [UNK], [CLS], [SEP], [MASK], ▁the")
                == true)
    }

    @Test(
        "the real all-MiniLM-L6-v2 at f16: gguf-py reads every key and tensor, each within f16 rounding of its source",
        .enabled(
            if: (python != nil && minilm != nil) || inCI,
            "set WEIGHTKIT_PYTHON and WEIGHTKIT_MINILM (Scripts/test.sh does)"))
    func minilmReadByGGUFPy() throws {
        let dir = try #require(Self.minilm)
        let path = try Self.gguf(dir, ["--dtype", "f16"])
        let j = try Self.readWithGGUFPy(path, source: dir + "/model.safetensors")
        let keys = try #require(j["keys"])
        #expect(keys["bert.block_count"]?["value"]?.intValue == 6 && keys["bert.pooling_type"]?["value"]?.intValue == 1)
        #expect(keys["tokenizer.ggml.tokens"]?["count"]?.intValue == 30522)
        #expect(keys["tokenizer.ggml.seperator_token_id"]?["value"]?.intValue == 102)
        let tensors = try #require(j["tensors"]?.objectValue)
        #expect(tensors.entries.count == 101)
        for (name, t) in tensors.entries {
            let err = try #require(t["max_abs"]?.doubleValue, "\(name) maps back to its source")
            let f16 = t["type"]?.stringValue == "F16"
            let matrix = (t["dims"]?.arrayValue?.count ?? 0) >= 2 && name != "token_types.weight"
            #expect(f16 == matrix, "\(name): matrices F16; norms, biases and token_types F32")
            #expect(err <= (f16 ? 1e-3 : 0), "\(name): \(err)")
        }
    }
}
