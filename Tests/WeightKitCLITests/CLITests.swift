import Foundation
import Testing
import WeightKitCheckpoints

/// Runs the built `weightkit` executable as a user would and checks output and exit codes.
enum CLI {
    static let root: String = {
        var path = #filePath
        while !path.isEmpty {
            path = (path as NSString).deletingLastPathComponent
            if FileManager.default.fileExists(atPath: path + "/Package.swift") { return path }
        }
        fatalError("package root not found")
    }()

    /// The executable built next to the test bundle.
    static let executable: String = {
        var dir = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        for _ in 0..<4 {
            let candidate = dir + "/weightkit"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = (dir as NSString).deletingLastPathComponent
        }
        for candidate in [root + "/.build/debug/weightkit", root + "/.build/release/weightkit"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        fatalError("weightkit executable not found next to \(CommandLine.arguments[0]); run `swift build` first")
    }()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: String...) throws -> Result { try run(args) }

    static func run(_ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func fixture(_ rel: String) -> String { root + "/Fixtures/" + rel }

    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "weightkit-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

@Suite("weightkit command line")
struct CLITests {
    @Test("inspect prints the table and summary")
    func inspectText() throws {
        let r = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("format: safetensors"))
        #expect(r.stdout.contains("embeddings.word_embeddings.weight"))
        #expect(r.stdout.contains("19 tensors"))
        #expect(r.stdout.contains("metadata: format=pt"))
    }

    @Test("inspect --json carries the documented keys, --stats adds stats")
    func inspectJSON() throws {
        let r = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--json", "--stats")
        #expect(r.status == 0, "\(r.stderr)")
        let v = try JSONParser.parse(r.stdout)
        #expect(v["format"]?.stringValue == "safetensors")
        #expect(v["total_parameters"]?.intValue != nil)
        #expect(v["total_bytes"]?.intValue != nil)
        #expect(v["metadata"]?["format"]?.stringValue == "pt")
        let t = try #require(v["tensors"]?.arrayValue?.first(where: { $0["name"]?.stringValue == "half.weight" }))
        #expect(t["dtype"]?.stringValue == "F16")
        #expect(t["shape"] == .array([.int(5)]))
        #expect(t["stats"]?["max"]?.doubleValue == 65504)
    }

    @Test("inspect --group collapses layers; --filter selects")
    func groupAndFilter() throws {
        let g = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--group")
        #expect(g.stdout.contains("encoder.layer.#.attention.self.query.weight"))
        let f = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--filter", "ints.*", "--json")
        let v = try JSONParser.parse(f.stdout)
        #expect(v["tensors"]?.arrayValue?.count == 7)
    }

    @Test("format is detected from content, not the extension")
    func detectsByContent() throws {
        let dir = try CLI.scratch()
        try FileManager.default.copyItem(atPath: CLI.fixture("safetensors/mixed.safetensors"), toPath: dir + "/weights.bin")
        let r = try CLI.run("inspect", dir + "/weights.bin", "--json")
        #expect(r.status == 0)
        #expect(try JSONParser.parse(r.stdout)["format"]?.stringValue == "safetensors")
    }

    @Test("convert → check → inspect of a .wkc, and corruption makes check exit 1")
    func convertAndCheck() throws {
        let dir = try CLI.scratch()
        let c = try CLI.run("convert", CLI.fixture("safetensors/mixed.safetensors"), "-o", dir + "/m.wkc")
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("wrote \(dir)/m.wkc: 19 tensors"))
        let ok = try CLI.run("check", dir + "/m.wkc")
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("OK "))
        let i = try CLI.run("inspect", dir + "/m.wkc")
        #expect(i.stdout.contains("format: wkc") && i.stdout.contains("provenance: from mixed.safetensors"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.wkc"))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: dir + "/m.wkc"))
        let bad = try CLI.run("check", dir + "/m.wkc")
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("data checksum mismatch"))
    }

    @Test("malformed input: inspect exits 2 with the file and tensor named; check exits 1")
    func malformedExitCodes() throws {
        let path = CLI.fixture("safetensors/malformed/duplicate_tensor.safetensors")
        let i = try CLI.run("inspect", path)
        #expect(i.status == 2)
        #expect(i.stderr.contains(path) && i.stderr.contains("tensor 'a' is declared more than once"))
        let c = try CLI.run("check", path)
        #expect(c.status == 1)
        #expect(c.stdout.contains("FAILED"))
    }

    @Test("bad usage and unreadable paths exit 2, never crash", arguments: [
        ["inspect"], ["inspect", "/nonexistent/file.safetensors"], ["convert", "x.safetensors", "-o", "y.txt"], ["frobnicate"],
        ["inspect", "/"], ["check", "/nonexistent"], ["convert", "/nonexistent.safetensors", "-o", "/tmp/x.wkc"],
    ])
    func usageErrors(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test("a conversion that fails leaves nothing at the destination and no temp file")
    func failedConversionLeavesNothing() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run("convert", CLI.fixture("safetensors/malformed/gap.safetensors"), "-o", dir + "/out.wkc")
        #expect(r.status == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
