import Foundation
import Testing
import WeightKitCheckpoints

/// Large outputs are written with direct I/O, small ones through the page cache; the environment
/// forces either, so both paths can be compared on the same real checkpoints.
@Suite("direct-I/O and page-cache conversions write the same files")
struct WriteModeTests {
    /// The bytes of a .wkc with its provenance time blanked and the header checksum (which
    /// covers that time) zeroed — what two conversions of the same source must agree on.
    static func wkcWithoutTime(_ path: String) throws -> [UInt8] {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = try bytes.withUnsafeBytes { try WKCHeader.validate($0, file: path).get().headerLength }
        var header = String(
            decoding: bytes[WKCFormat.prefixSize..<(WKCFormat.prefixSize + headerLength)], as: UTF8.self)
        header = header.replacingOccurrences(
            of: #""created": "[^"]*""#, with: #""created": """#, options: .regularExpression)
        bytes.replaceSubrange(WKCFormat.prefixSize..<(WKCFormat.prefixSize + headerLength), with: Array(header.utf8))
        bytes.replaceSubrange(12..<16, with: [0, 0, 0, 0])
        return bytes
    }

    @Test(
        "safetensors byte-identical, graph-ready .wkc identical but for its creation time; both pass check and verify")
    func sameFiles() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bert = CLI.fixture("keras/hf_bert_cls/tf_model.h5")
        for mode in WriteMode.allCases {
            for (args, out) in [
                (["convert", CLI.fixture("safetensors/mixed.safetensors")], "mixed.safetensors"),
                (["convert", bert, "--model", "bert"], "bert.wkc"),
                (["convert", bert], "plain.wkc"),
            ] {
                let r = try spawnMeasured(mode.environment + [CLI.executable] + args + ["-o", "\(dir)/\(mode)-\(out)"])
                #expect(r.status == 0, "\(mode) \(out): \(r.stderr)")
                let c = try CLI.run("check", "\(dir)/\(mode)-\(out)")
                #expect(c.status == 0, "\(mode) \(out): \(c.stdout)")
            }
        }
        #expect(
            FileManager.default.contentsEqual(
                atPath: dir + "/direct-mixed.safetensors", andPath: dir + "/buffered-mixed.safetensors"))
        for out in ["bert.wkc", "plain.wkc"] {
            #expect(
                try Self.wkcWithoutTime("\(dir)/direct-\(out)") == Self.wkcWithoutTime("\(dir)/buffered-\(out)"),
                "\(out)")
        }
        let v = try CLI.run(
            "verify", dir + "/direct-bert.wkc", "--reference", CLI.fixture("keras/hf_bert_cls.reference.safetensors"))
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }
}
