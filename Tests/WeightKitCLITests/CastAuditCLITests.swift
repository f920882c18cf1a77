import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// `convert --dtype` audits narrowing casts for every output format; `--strict` refuses them.
@Suite("CLI: the cast audit")
struct CastAuditCLITests {
    /// mixed.safetensors (written by safetensors, Fixtures/safetensors/generate.py) holds an F64
    /// -1e-300, which no narrower float holds.
    static let source = CLI.fixture("safetensors/mixed.safetensors")

    @Test("--dtype f16 prints and records what each cast lost; the file is written")
    func reported() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run([
            "convert", Self.source, "-o", dir + "/a.safetensors", "--dtype", "f16", "--json", dir + "/a.json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("double.weight F64 → F16: 0 overflow, 1 flush to zero"), "\(r.stdout)")
        let j = try FileSystem.readJSON(dir + "/a.json")
        #expect(j["written"]?.boolValue == true && j["cast_audit"]?["flushed_to_zero"]?.intValue == 1)
        let entries = j["cast_audit"]?["entries"]?.arrayValue ?? []
        #expect(entries.contains { $0["tensor"]?.stringValue == "double.weight" && $0["max_abs"]?.doubleValue == .pi })
        #expect(FileSystem.exists(dir + "/a.safetensors"))
        if let python = ProcessInfo.processInfo.environment["WEIGHTKIT_PYTHON"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = [
                TestFixtures.root + "/Tests/Interop/validate_json.py",
                TestFixtures.root + "/Schemas/convert.schema.json", dir + "/a.json",
            ]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "convert --json does not satisfy Schemas/convert.schema.json")
        } else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI sets WEIGHTKIT_PYTHON")
        }
    }

    @Test(
        "--strict refuses, names the tensor, and leaves nothing at the destination", arguments: ["safetensors", "wkc"])
    func strict(_ ext: String) throws {
        let dir = try CLI.scratch()
        let out = dir + "/b." + ext
        let r = try CLI.run([
            "convert", Self.source, "-o", out, "--dtype", "bf16", "--strict", "--json", dir + "/b.json",
        ])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains("not written (--strict)") && r.stderr.contains("'double.weight' F64 → BF16"),
            "\(r.stderr)")
        #expect(!FileSystem.exists(out))
        #expect(try FileSystem.readJSON(dir + "/b.json")["written"]?.boolValue == false)
        #expect(try CLI.run(["convert", Self.source, "-o", out, "--dtype", "f32", "--strict"]).status == 1)
    }

    @Test("q8_0 is refused for anything but a .gguf")
    func q8OnlyForGGUF() throws {
        let r = try CLI.run(["convert", Self.source, "-o", try CLI.scratch() + "/c.safetensors", "--dtype", "q8_0"])
        #expect(r.status != 0 && r.stderr.contains("q8_0 is a GGUF block type"))
    }
}
