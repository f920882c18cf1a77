import Foundation
import Testing
import WeightKitFormats
@testable import WeightKitCheckpoints
import WeightKitTestSupport
@testable import WeightKitInspection

@Suite(".wkc native format: validation and corruption detection")
struct WKCFormatTests {
    func makeSample() throws -> (dir: String, path: String, bytes: [UInt8]) {
        let dir = try Fixture.scratchDirectory()
        let source = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        let path = dir + "/sample.wkc"
        _ = try Converter.convert(source, to: path)
        return (dir, path, try Data(contentsOf: URL(fileURLWithPath: path)).bytes)
    }

    func problems(of bytes: [UInt8], in dir: String, name: String = "mutant.wkc") throws -> [String] {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return CheckReport(try Checkpoints.check(path)).problems
    }

    @Test("layout: magic, version, header checksum, 64-byte aligned data, file ends at data end")
    func layout() throws {
        let (_, path, bytes) = try makeSample()
        #expect(Array(bytes[0..<8]) == WKCFormat.magic)
        let c = try WKCReader.open(path)
        #expect(c.header.dataStart % 64 == 0)
        #expect(c.header.dataStart + c.header.dataSize == bytes.count)
        let report = CheckReport(try Checkpoints.check(path))
        #expect(report.passed, "\(report.problems)")
    }

    @Test("every single-byte flip anywhere in a small .wkc is detected by check")
    func everyByteFlipIsDetected() throws {
        let (dir, _, bytes) = try makeSample()
        var undetected: [Int] = []
        for i in 0..<bytes.count {
            var b = bytes
            b[i] ^= 0x01
            let file = dir + "/flip.wkc"
            try Data(b).write(to: URL(fileURLWithPath: file))
            let passed: Bool
            do { passed = CheckReport(try Checkpoints.check(file)).passed } catch { passed = false }
            if passed { undetected.append(i) }
        }
        #expect(undetected.isEmpty, "flips at offsets \(undetected.prefix(10)) went unnoticed")
    }

    @Test("sampled single-byte flips in a 16 MiB .wkc: every one in the header and the data is detected by check")
    func sampledFlipsOnALargeFile() throws {
        let dir = NSTemporaryDirectory() + "weightkit-largeflip-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Eight 2 MiB tensors in a safetensors file, converted by the real writer.
        let n = 1 << 19
        let st = TestFixtures.safetensorsBytes(
            (0..<8).map { k in
                (
                    name: "t\(k)", dtype: "F32", shape: [n],
                    data: (0..<n).map { Float(($0 &* 2654435761 &+ k) % 9973) * 1e-3 }.withUnsafeBytes { [UInt8]($0) }
                )
            })
        try Data(st).write(to: URL(fileURLWithPath: dir + "/large.safetensors"))
        let path = dir + "/large.wkc"
        _ = try Converter.convert(try SafetensorsReader.open(dir + "/large.safetensors"), to: path)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let c = try WKCReader.open(path)
        var rng = SystemRandomNumberGenerator()
        // Every byte of the header region, and 300 random data bytes (and the last byte).
        var offsets = Array(0..<c.header.dataStart)
        offsets +=
            (0..<300).map { _ in Int.random(in: c.header.dataStart..<original.count, using: &rng) } + [
                original.count - 1
            ]
        var undetected: [Int] = []
        let file = dir + "/flip.wkc"
        try Data(original).write(to: URL(fileURLWithPath: file))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        for i in offsets {
            try handle.seek(toOffset: UInt64(i)); try handle.write(contentsOf: [original[i] ^ 0x20])
            let passed: Bool
            do { passed = CheckReport(try Checkpoints.check(file)).passed } catch { passed = false }
            if passed { undetected.append(i) }
            try handle.seek(toOffset: UInt64(i)); try handle.write(contentsOf: [original[i]])
        }
        #expect(undetected.isEmpty, "flips at offsets \(undetected.prefix(10)) went unnoticed (of \(offsets.count))")
        print(
            "corruption: \(offsets.count) single-byte flips in a \(original.count)-byte .wkc (all \(c.header.dataStart) header-region bytes + 301 data bytes): \(offsets.count - undetected.count) detected"
        )
    }

    @Test("truncation at every length is a clean error")
    func truncation() throws {
        let (dir, _, bytes) = try makeSample()
        let c = try WKCReader.open(dir + "/sample.wkc")
        // Every length up to the end of the header region, then every 7th byte of the data.
        var lengths = Array(0..<(c.header.dataStart + 1))
        lengths += stride(from: c.header.dataStart + 1, to: bytes.count, by: 7)
        for n in lengths {
            let file = dir + "/cut.wkc"
            try Data(bytes[0..<n]).write(to: URL(fileURLWithPath: file))
            #expect(throws: (any Error).self, "length \(n) accepted") { _ = try WKCReader.open(file) }
        }
    }

    @Test("a corrupt tensor is named, with both checksums")
    func corruptTensorIsNamed() throws {
        let (dir, path, bytes) = try makeSample()
        let c = try WKCReader.open(path)
        let t = try #require(c.info(named: "brain.weight"))
        var b = bytes
        b[t.byteOffset + 3] ^= 0x80
        let found = try problems(of: b, in: dir)
        #expect(found.count == 1)
        #expect(found.first?.contains("tensor 'brain.weight': data checksum mismatch") == true)
    }

    @Test("header rules: each broken header is refused with its own error")
    func headerRules() throws {
        let (dir, path, _) = try makeSample()
        let c = try WKCReader.open(path)
        func rebuild(_ edit: (inout JSONObject) -> Void) throws -> [UInt8] {
            let original = try MappedFile(path: path)
            let n = Int(original.bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            guard
                case .object(var root) = try JSONParser.parse(
                    UnsafeRawBufferPointer(rebasing: original.bytes[24..<(24 + n)]))
            else { return [] }
            edit(&root)
            var header = Array(JSONValue.object(root).serialized().utf8)
            // keep the data start where it was
            let room = c.header.dataStart - 24
            if header.count < room { header += [UInt8](repeating: 0x20, count: room - header.count) }
            var out = WKCFormat.magic
            withUnsafeBytes(of: WKCFormat.version.littleEndian) { out += $0 }
            withUnsafeBytes(of: CRC32.checksum(header).littleEndian) { out += $0 }
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
            out += header
            out += [UInt8](original.bytes[c.header.dataStart...])
            return out
        }
        func tensorsEdit(_ f: @escaping (inout [JSONValue]) -> Void) -> (inout JSONObject) -> Void {
            { root in
                var list = root["tensors"]!.arrayValue!
                f(&list)
                root["tensors"] = .array(list)
            }
        }
        func setField(_ i: Int, _ key: String, _ value: JSONValue) -> (inout [JSONValue]) -> Void {
            { list in
                var o = list[i].objectValue!
                o[key] = value
                list[i] = .object(o)
            }
        }
        let cases: [(String, (inout JSONObject) -> Void)] = [
            (
                "misalignedTensor",
                tensorsEdit(setField(1, "offset", .int(c.tensors[1].byteOffset - c.header.dataStart + 4)))
            ),
            ("unknownDType", tensorsEdit(setField(0, "dtype", .string("F128")))),
            ("byteCountMismatch", tensorsEdit(setField(0, "length", .int(4)))),
            ("duplicateTensorName", tensorsEdit(setField(1, "name", .string(c.tensors[0].name)))),
            ("outOfOrderTensor", tensorsEdit { $0.swapAt(0, 1) }),
            ("invalidTensorField", tensorsEdit(setField(0, "crc32", .string("xyz")))),
            ("invalidHeaderField", { $0["data_size"] = .int(-1) }),
            ("invalidHeaderField", { $0["model"] = .string("bert") }),
            ("duplicateKey", { $0.entries.append((key: "metadata", value: .object([:]))) }),
        ]
        for (rule, edit) in cases {
            let file = dir + "/rule.wkc"
            try Data(try rebuild(edit)).write(to: URL(fileURLWithPath: file))
            do {
                _ = try WKCReader.open(file)
                Issue.record("\(rule): accepted")
            } catch let e as WKCProblems {
                #expect(e.problems.map { caseName($0) }.contains(rule), "\(rule): got \(e.problems)")
            }
        }
    }

    @Test("model section and metadata survive a round trip")
    func modelSection() throws {
        let dir = try Fixture.scratchDirectory()
        let source = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        let views = try source.tensors.map { OutputTensor(try source.view($0)) }
        let config: JSONValue = .object(["hidden_size": .int(384), "layer_norm_eps": .number("1e-12")])
        try WKCWriter.write(
            views, metadata: ["k": "v"], model: WKCModelSection(architecture: "bert", config: config),
            to: dir + "/m.wkc")
        let c = try WKCReader.open(dir + "/m.wkc")
        #expect(c.model == WKCModelSection(architecture: "bert", config: config))
        #expect(c.modelConfig == config)
        #expect(c.metadata == ["k": "v"])
    }
}
