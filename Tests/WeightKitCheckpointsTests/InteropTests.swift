import Foundation
import Testing
@testable import WeightKitCheckpoints
import WeightKitInspection
import WeightKitFormats
import WeightKitMapping
import WeightKitVerification

/// Files WeightKit writes, read back by the reference `safetensors` package. Needs a Python with
/// the pinned fixture requirements: `WEIGHTKIT_PYTHON=/path/to/python`. Scripts/test.sh sets it
/// up; in CI (CI=true) a missing interpreter fails the test instead of skipping it.
@Suite("interoperability with the reference safetensors implementation")
struct InteropTests {
    static let python = ProcessInfo.processInfo.environment["WEIGHTKIT_PYTHON"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs a script under Tests/Interop with the pinned Python; returns its status and output.
    func runPython(_ script: String, _ args: [String]) throws -> (status: Int32, output: [UInt8]) {
        guard let python = Self.python else {
            Issue.record("WEIGHTKIT_PYTHON is not set; run Scripts/test.sh")
            return (-1, [])
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [Fixture.root + "/Tests/Interop/" + script] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, [UInt8](data))
    }

    func referenceRead(_ path: String) throws -> JSONValue {
        let (status, output) = try runPython("read_safetensors.py", [path])
        #expect(status == 0, "reference reader failed on \(path)")
        return try JSONParser.parse(output)
    }

    func expectValid(_ document: JSONValue, schema: String, _ label: String) throws {
        let file = NSTemporaryDirectory() + "weightkit-schema-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try document.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try runPython("validate_json.py", [Fixture.root + "/Schemas/" + schema, file])
        #expect(status == 0, "\(label) does not satisfy \(schema): \(String(decoding: output, as: UTF8.self))")
    }

    @Test(
        "inspect and check JSON and the .wkc header satisfy their JSON Schemas",
        .enabled(
            if: python != nil || inCI, "set WEIGHTKIT_PYTHON (Scripts/test.sh does) to validate against the schemas"))
    func outputsSatisfySchemas() throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mixed = Fixture.path("safetensors/mixed.safetensors")
        _ = try Converter.convert(try SafetensorsReader.open(mixed), to: dir + "/m.wkc", dtype: .bf16)
        for path in [
            mixed, Fixture.path("safetensors/sharded"), dir + "/m.wkc", Fixture.path("keras/textclf_k2.h5"),
            Fixture.path("keras/textclf_k3_bf16.weights.h5"), Fixture.path("tensorflow/tf2_pretrainer"),
            Fixture.path("tensorflow/sliced/tf2_sharded"),
        ] {
            let report = try InspectReport(checkpoint: try Checkpoints.open(path), stats: true)
            try expectValid(
                report.json(grouped: true), schema: "inspect.schema.json", "inspect --json --stats --group of \(path)")
            try expectValid(
                CheckReport(try Checkpoints.check(path)).json, schema: "check.schema.json", "check --json of \(path)")
        }
        try expectValid(
            CheckReport(try Checkpoints.check(Fixture.path("safetensors/malformed/gap.safetensors"))).json,
            schema: "check.schema.json", "failed check")
        for (path, model) in [
            ("keras/hf_bert_cls", "bert"), ("keras/kerashub_bert.weights.h5", "bert"),
            ("keras/textclf_k2.keras", "text-classifier"),
            ("safetensors/mixed.safetensors", "bert"), ("tensorflow/google_bert_classifier", "bert"),
            ("tensorflow/textclf_k2_tf", "text-classifier"),
        ] {
            let c = try Checkpoints.open(Fixture.path(path))
            let report = model == "bert" ? BertMapper.map(c) : TextClassifierMapper.map(c)
            try expectValid(report.json, schema: "map.schema.json", "map --json of \(path)")
        }
        let verified = try Verifier.verify(
            checkpoint: Fixture.path("keras/hf_bert_cls"),
            reference: Fixture.path("keras/hf_bert_cls.reference.safetensors"))
        try expectValid(verified.json, schema: "verify.schema.json", "verify --json")
        for bundle in [
            "references/tiny_bert_pt.reference.safetensors", "keras/textclf_k3.reference.safetensors",
            "references/minilm.reference.safetensors", "tensorflow/hub_encoder_text.reference.safetensors",
        ] {
            try expectValid(
                .stringMap(try Checkpoints.open(Fixture.path(bundle)).metadata), schema: "reference-bundle.schema.json",
                "metadata of \(bundle)")
        }
        let file = try MappedFile(path: dir + "/m.wkc")
        let n = Int(file.bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let header = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: file.bytes[24..<(24 + n)]))
        try expectValid(header, schema: "wkc-header.schema.json", ".wkc header")
    }

    @Test(
        "safetensors written by WeightKit (copied, cast to f16, back from .wkc) read identically in safetensors",
        .enabled(
            if: python != nil || inCI, "set WEIGHTKIT_PYTHON (Scripts/test.sh does) to run against the reference reader"
        ),
        arguments: ["keep", "f16", "via-wkc"])
    func referenceReadsOurFiles(_ mode: String) throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        let out = dir + "/out.safetensors"
        switch mode {
        case "f16": _ = try Converter.convert(source, to: out, dtype: .f16)
        case "via-wkc":
            _ = try Converter.convert(source, to: dir + "/m.wkc")
            _ = try Converter.convert(try WKCReader.open(dir + "/m.wkc"), to: out)
        default: _ = try Converter.convert(source, to: out)
        }
        let ours = try SafetensorsReader.open(out)
        let seen = try referenceRead(out)
        let tensors = try #require(seen["tensors"]?.objectValue)
        #expect(tensors.count == ours.tensors.count)
        let metadata = (seen["metadata"]?.objectValue?.entries ?? []).reduce(into: [String: String]()) {
            $0[$1.key] = $1.value.stringValue
        }
        #expect(metadata == ours.metadata)
        for t in ours.tensors {
            let ref = try #require(tensors[t.name], "\(t.name) missing in the reference reader's view")
            #expect(ref["dtype"]?.stringValue == t.dtype.rawValue, "\(t.name)")
            #expect(ref["shape"]?.arrayValue?.compactMap(\.intValue) == t.shape, "\(t.name)")
            if let sha = ref["sha256"]?.stringValue {
                #expect(sha == SHA256Digest.hex(of: try ours.view(t).bytes), "\(t.name)")
            }
        }
    }
}
