import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// `--precision bf16|int8` (issue 16): what each mode costs against float32, reported by `run` and
/// `verify`, within the bounds on the real all-MiniLM-L6-v2; and the refusal, naming what
/// is missing, on a CPU without the instructions (simulated with oneDNN's ONEDNN_MAX_CPU_ISA).
@Suite("CLI: --precision bf16 / int8")
struct PrecisionCLITests {
    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The CPU's flags (this target cannot import WeightKitCompute's C modules: read them here).
    static let flags: Set<String> = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }()

    static func hardwareHas(_ p: String) -> Bool {
        p == "bf16"
            ? flags.contains("avx512_bf16") || flags.contains("amx_bf16")
            : flags.contains("avx512_vnni") || flags.contains("amx_int8")
    }

    /// The drift section of `run --json` at `precision`, or nil after checking the refusal.
    static func drift(_ args: [String], _ precision: String) throws -> [String: Any]? {
        let r = try CLI.run(args + ["--precision", precision, "--json"])
        if r.status == 2, r.stderr.contains("needs a CPU with") {
            #expect(!hardwareHas(precision), "\(precision) refused on a CPU that has it: \(r.stderr)")
            return nil
        }
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["results"] as? [Any])?.isEmpty == false)
        return try #require(json["drift"] as? [String: Any])
    }

    static func output(_ drift: [String: Any], _ name: String) throws -> [String: Any] {
        let outputs = try #require(drift["outputs"] as? [[String: Any]])
        return try #require(outputs.first { $0["name"] as? String == name })
    }

    @Test(
        "real MiniLM over 300 corpus lines: bf16 sentence-embedding cosine ≥ 0.9999 and int8 ≥ 0.99 against f32, every sentence",
        .enabled(if: minilm != nil || inCI, "set WEIGHTKIT_MINILM (Scripts/test.sh fetches the model)"))
    func minilmDrift() throws {
        let model = try #require(Self.minilm, "all-MiniLM-L6-v2 not found; Scripts/test.sh fetches it")
        let corpus = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: CLI.fixture("tokenizer/corpus.json")))) as? [String: Any])
        let lines = try #require(corpus["lines"] as? [[String: Any]]).compactMap { $0["text"] as? String }
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.prefix(300)
        let dir = try CLI.scratch()
        try lines.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n").write(
            toFile: dir + "/lines.txt", atomically: true, encoding: .utf8)
        let args = ["run", model, "--text-file", dir + "/lines.txt", "--output", "sentence_embedding"]
        for (precision, bound) in [("bf16", 0.9999), ("int8", 0.99)] {
            guard let d = try Self.drift(args, precision) else { continue }
            let e = try Self.output(d, "sentence_embedding")
            let worst = try #require(e["min_row_cosine"] as? Double)
            #expect(worst >= bound && worst < 1, "\(precision): lowest sentence cosine \(worst)")
            #expect((d["kernels"] as? String)?.contains(precision == "bf16" ? "bf16" : "s8") == true, "\(d)")
        }
    }

    @Test(
        "verify --precision: the report keeps the reference's tolerances and adds the drift against f32, with arg-max agreement"
    )
    func verifyReportsDrift() throws {
        let ref = CLI.fixture("references/tiny_bert_cls_pt")
        let dir = try CLI.scratch()
        for precision in ["bf16", "int8"] {
            let r = try CLI.run(
                "verify", ref, "--reference", ref + ".reference.safetensors", "--precision", precision,
                "--json", dir + "/\(precision).json")
            if r.status == 2, r.stderr.contains("needs a CPU with") {
                #expect(!Self.hardwareHas(precision), "\(r.stderr)")
                continue
            }
            // float32 tolerances: the rounding of the mode fails them, and the report says why.
            #expect(
                r.status == 1 && r.stdout.contains("drift of --precision \(precision) against f32"),
                "\(r.stdout)")
            #expect(r.stdout.contains("expected at --precision"), "\(r.stdout)")
            let json = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: dir + "/\(precision).json")))
                    as? [String: Any])
            #expect(json["precision"] as? String == precision)
            let logits = try Self.output(try #require(json["drift"] as? [String: Any]), "logits")
            #expect(logits["argmax_rows"] as? Int == 3 && (logits["cosine"] as? Double ?? 0) > 0.99, "\(logits)")
            // At a tolerance that admits the mode's rounding, the same run passes.
            let loose = try CLI.run(
                "verify", ref, "--reference", ref + ".reference.safetensors", "--precision", precision,
                "--atol", "0.5")
            #expect(loose.status == 0, "\(loose.stdout)")
        }
    }

    @Test(
        "a CPU without bf16 / VNNI instructions (oneDNN capped at AVX2): refused by name, exit 2, no emulated fallback")
    func refusedWithoutInstructions() throws {
        for precision in ["bf16", "int8"] {
            let r = try CLI.run(
                [
                    "bench", CLI.fixture("references/tiny_bert_pt"), "--batch", "1", "--seq", "8", "--runs", "1",
                    "--precision", precision,
                ], environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(
                r.stderr.contains("\(precision) needs a CPU with")
                    && r.stderr.contains(precision == "bf16" ? "AVX512_BF16" : "VNNI"), "\(r.stderr)")
        }
        // float32 still runs there.
        let f32 = try CLI.run(
            ["bench", CLI.fixture("references/tiny_bert_pt"), "--batch", "1", "--seq", "8", "--runs", "1"],
            environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
        #expect(f32.status == 0 && f32.stdout.contains("precision f32"), "\(f32.stderr)")
    }

    @Test(
        "convert --precision writes a packed .wkc that verify and bench run as stored (drift against f32 of the stored weights); misuse refused; an AVX2-only CPU is told, and can still run it at f32"
    )
    func packedFile() throws {
        let ref = CLI.fixture("references/tiny_bert_cls_pt")
        let dir = try CLI.scratch()
        for precision in ["bf16", "int8"] {
            let out = dir + "/\(precision).wkc"
            let c = try CLI.run("convert", ref, "--model", "bert", "--precision", precision, "-o", out)
            #expect(c.status == 0 && c.stdout.contains("encoder linear weights packed \(precision)"), "\(c.stderr)")
            let r = try CLI.run(
                "verify", out, "--reference", ref + ".reference.safetensors", "--atol", "0.5", "--json",
                dir + "/\(precision).json")
            if r.status == 2, r.stderr.contains("needs a CPU with") {
                #expect(!Self.hardwareHas(precision), "\(r.stderr)")
            } else {
                #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
                #expect(r.stdout.contains("against f32 of the file's \(precision) weights"), "\(r.stdout)")
                let json = try #require(
                    try JSONSerialization.jsonObject(
                        with: Data(contentsOf: URL(fileURLWithPath: dir + "/\(precision).json"))) as? [String: Any])
                #expect(json["precision"] as? String == precision, "the file's precision, without --precision")
                let drift = try #require(json["drift"] as? [String: Any])
                #expect((drift["kernels"] as? String)?.contains("weights in place") == true, "\(drift)")
                let b = try CLI.run("bench", out, "--batch", "1", "--seq", "8", "--runs", "1")
                #expect(b.status == 0 && b.stdout.contains("used as the file stores them, \(precision)"), "\(b.stdout)")
            }
            // Where the kernel is missing, the same file still runs in float32 of its stored values.
            let capped = try CLI.run(
                ["bench", out, "--batch", "1", "--seq", "8", "--runs", "1"], environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"]
            )
            #expect(
                capped.status == 2 && capped.stderr.contains("needs a CPU with"), "\(capped.stdout)\(capped.stderr)")
            let f32 = try CLI.run(
                ["bench", out, "--batch", "1", "--seq", "8", "--runs", "1", "--precision", "f32"],
                environment: ["ONEDNN_MAX_CPU_ISA": "AVX2"])
            #expect(f32.status == 0 && f32.stdout.contains("precision f32"), "\(f32.stderr)")
        }
        for bad in [
            ["convert", ref, "--precision", "int8", "-o", dir + "/x.wkc"],
            ["convert", ref, "--model", "bert", "--precision", "int8", "-o", dir + "/x.gguf"],
            ["convert", ref, "--model", "bert", "--precision", "bf16", "--layout", "hf", "-o", dir + "/hf"],
        ] {
            let r = try CLI.run(bad)
            #expect(r.status != 0 && r.stderr.contains("--precision"), "\(bad): \(r.stderr)")
        }
    }
}
