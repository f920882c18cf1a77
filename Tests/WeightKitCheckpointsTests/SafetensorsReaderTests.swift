import Foundation
import Testing
@testable import WeightKitCheckpoints

@Suite("safetensors reader on files written by the real safetensors package")
struct SafetensorsReaderTests {
    @Test("every tensor of mixed.safetensors reads back as the reference reader saw it")
    func mixedFixtureMatchesReference() throws {
        let expected = try Fixture.json("safetensors/mixed.expected.json")
        let tensors = try #require(expected["tensors"]?.objectValue)
        let checkpoint = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        #expect(checkpoint.tensors.count == tensors.count)
        #expect(checkpoint.metadata == ["format": "pt", "producer": "weightkit Fixtures/safetensors/generate.py"])
        for (name, entry) in tensors.entries {
            let view = try checkpoint.tensor(named: name)
            #expect(view.dtype.rawValue == entry["dtype"]?.stringValue, "\(name)")
            #expect(view.shape == entry["shape"]?.arrayValue?.compactMap(\.intValue), "\(name)")
            #expect(SHA256Digest.hex(of: view.bytes) == entry["sha256"]?.stringValue, "\(name) bytes differ")
            guard view.dtype != .u64 else { continue }  // U64 values exceed Float precision; bytes checked above
            let values = try view.float32Array()
            let want = entry["values"]?.arrayValue ?? []
            #expect(values.count == want.count, "\(name)")
            for (got, w) in zip(values, want) {
                let expectedValue =
                    w.doubleValue.map { Float($0) }
                    ?? (w.stringValue == "nan" ? Float.nan : Float(w.stringValue ?? "") ?? .nan)
                #expect(
                    got == expectedValue || (got.isNaN && expectedValue.isNaN), "\(name): \(got) != \(expectedValue)")
            }
        }
    }

    @Test("tensors come in data-offset order with absolute offsets inside the file")
    func offsetsAreAbsoluteAndOrdered() throws {
        let checkpoint = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        let file = try MappedFile(path: checkpoint.path)
        let headerLength = Int(file.bytes.loadUnaligned(as: UInt64.self))
        var previousEnd = 8 + headerLength
        for t in checkpoint.tensors {
            #expect(t.byteOffset == previousEnd, "\(t.name)")
            previousEnd = t.byteOffset + t.byteCount
        }
        #expect(previousEnd == file.size)
        let scalar = try #require(checkpoint.info(named: "scalar.temperature"))
        #expect(scalar.shape == [] && scalar.elementCount == 1)
        let empty = try #require(checkpoint.info(named: "empty.weight"))
        #expect(empty.shape == [0, 3] && empty.byteCount == 0)
    }

    static let manifest: [(String, String, String?)] = {
        guard let m = try? Fixture.json("safetensors/malformed/manifest.json"),
            let rejected = m["rejected"]?.objectValue
        else { return [] }
        return rejected.entries.map { ($0.key, $0.value["rule"]?.stringValue ?? "?", $0.value["tensor"]?.stringValue) }
    }()

    @Test("the malformed corpus has one file per rule", .tags(.corpus))
    func corpusIsComplete() {
        #expect(Self.manifest.count >= 22)
    }

    @Test(
        "each malformed file is rejected with its own rule, naming the file and tensor", .tags(.corpus),
        arguments: manifest)
    func malformedFileIsRejected(_ testCase: (String, String, String?)) throws {
        let (name, rule, tensor) = testCase
        let path = Fixture.path("safetensors/malformed/\(name).safetensors")
        do {
            _ = try SafetensorsReader.open(path)
            Issue.record("\(name) was accepted")
        } catch let problems as SafetensorsProblems {
            #expect(caseName(problems.first) == rule, "\(name): got \(problems.first)")
            #expect(problems.first.file == path)
            #expect(problems.first.description.hasPrefix(path + ": "))
            if let tensor {
                #expect(tensorName(problems.first) == tensor, "\(name): \(problems.first)")
                #expect(problems.first.description.contains("'\(tensor)'"))
            }
        }
    }

    @Test(
        "valid edge cases (whitespace before the header, an empty header) are accepted",
        arguments: ["leading_whitespace", "empty_header"])
    func acceptedEdgeCases(_ name: String) throws {
        let c = try SafetensorsReader.open(Fixture.path("safetensors/malformed/\(name).safetensors"))
        #expect(c.tensors.count == (name == "empty_header" ? 0 : 1))
    }

    @Test("all tensor-level problems of one file are reported together")
    func reportsEveryProblem() throws {
        let dir = try Fixture.scratchDirectory()
        let header =
            #"{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[-1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { [UInt8]($0) }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 8)
        let path = dir + "/multi.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try MappedFile(path: path)
        guard case .failure(let p) = SafetensorsHeader.validate(file.bytes, file: path) else {
            Issue.record("accepted"); return
        }
        let names = p.problems.map { caseName($0) }
        #expect(names.contains("unknownDType"))
        #expect(names.contains("invalidShape"))
        #expect(names.contains("duplicateTensorName"))
    }

    @Test("a misaligned F32 tensor is copied, not read in place, and gives the right values")
    func misalignedTensorIsCopied() throws {
        let dir = try Fixture.scratchDirectory()
        // Header of 9 bytes (not a multiple of 4) puts the F32 data at an odd address.
        let header =
            #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},"p":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { [UInt8]($0) }
        bytes += Array(header.utf8) + [7]
        bytes += withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { [UInt8]($0) }
        bytes += withUnsafeBytes(of: Float(-3).bitPattern.littleEndian) { [UInt8]($0) }
        let path = dir + "/odd.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let c = try SafetensorsReader.open(path)
        let x = try c.tensor(named: "x")
        #expect(!x.isAligned || (8 + header.utf8.count + 1) % 4 == 0)
        #expect(try x.withFloat32 { Array($0) } == [1.5, -3])
    }
}

extension Tag {
    @Tag static var corpus: Self
}

@Suite("hostile safetensors headers")
struct HostileHeaderTests {
    func write(_ header: String, data: Int = 0) throws -> String {
        let dir = try Fixture.scratchDirectory()
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { [UInt8]($0) }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/h.safetensors"))
        return dir + "/h.safetensors"
    }

    @Test("a shape of a million ones is refused before it is built")
    func hugeShape() throws {
        let path = try write(
            #"{"a":{"dtype":"F32","shape":["# + Array(repeating: "1", count: 1_000_000).joined(separator: ",")
                + #"],"data_offsets":[0,4]}}"#, data: 4)
        #expect { _ = try SafetensorsReader.open(path) } throws: { e in
            (e as? SafetensorsProblems).map { caseName($0.first) } == "headerExceedsLimits"
        }
    }

    @Test("a rank above 64 is an invalid shape")
    func rank65() throws {
        let path = try write(
            #"{"a":{"dtype":"F32","shape":["# + Array(repeating: "1", count: 65).joined(separator: ",")
                + #"],"data_offsets":[0,4]}}"#, data: 4)
        #expect { _ = try SafetensorsReader.open(path) } throws: { e in
            (e as? SafetensorsProblems).map { caseName($0.first) } == "invalidShape"
        }
    }

    @Test("a header with 200,000 broken entries keeps 1,000 problems and counts the rest")
    func manyProblems() throws {
        let path = try write("{" + (0..<200_000).map { "\"t\($0)\":0" }.joined(separator: ",") + "}")
        do {
            _ = try SafetensorsReader.open(path)
            Issue.record("accepted")
        } catch let e as SafetensorsProblems {
            #expect(e.problems.count == maximumReportedProblems)
            #expect(e.omitted == 200_000 - maximumReportedProblems)
            #expect(e.description.hasSuffix("… and 199000 more problems"))
        }
    }
}
