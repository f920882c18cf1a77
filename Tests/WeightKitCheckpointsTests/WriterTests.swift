import Foundation
import Testing
@testable import WeightKitCheckpoints
import WeightKitTestSupport

@Suite("safetensors and .wkc writers")
struct WriterTests {
    let mixed = Fixture.path("safetensors/mixed.safetensors")

    @Test("safetensors writer: reference layout (dtype alignment then name), aligned, header padded to 8")
    func safetensorsLayout() throws {
        let source = try SafetensorsReader.open(mixed)
        let out = try Fixture.scratchDirectory() + "/out.safetensors"
        try SafetensorsWriter.write(
            source.tensors.map { OutputTensor(try source.view($0)) }, metadata: source.metadata, to: out)
        let back = try SafetensorsReader.open(out)
        let file = try MappedFile(path: out)
        #expect(Int(file.bytes.loadUnaligned(as: UInt64.self)) % 8 == 0)
        let order = back.tensors.map(\.dtype)
        #expect(order == order.sorted(by: >), "not sorted by dtype alignment")
        for t in back.tensors {
            #expect(t.byteOffset % t.dtype.alignment == 0, "\(t.name) misaligned")
            #expect(try back.view(t).copyBytes() == (try source.tensor(named: t.name)).copyBytes(), "\(t.name)")
        }
        #expect(back.metadata == source.metadata)
    }

    @Test("writers refuse a tensor named __metadata__ and duplicate names, leaving no file")
    func refusesReservedNames() throws {
        let source = try SafetensorsReader.open(mixed)
        let view = try source.tensor(named: "half.weight")
        let dir = try Fixture.scratchDirectory()
        #expect(throws: CheckpointWriteError.reservedTensorName(file: dir + "/x.safetensors", tensor: "__metadata__")) {
            try SafetensorsWriter.write(
                [OutputTensor(name: "__metadata__", dtype: .f16, source: view)], to: dir + "/x.safetensors")
        }
        #expect(throws: CheckpointWriteError.duplicateTensorName(file: dir + "/y.wkc", tensor: "a")) {
            try WKCWriter.write(
                [
                    OutputTensor(name: "a", dtype: .f16, source: view),
                    OutputTensor(name: "a", dtype: .f16, source: view),
                ], to: dir + "/y.wkc")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("safetensors → wkc → safetensors keeps every tensor's bytes identical")
    func roundTripIsBitIdentical() throws {
        let dir = try Fixture.scratchDirectory()
        let source = try SafetensorsReader.open(mixed)
        _ = try Converter.convert(source, to: dir + "/m.wkc")
        let wkc = try WKCReader.open(dir + "/m.wkc")
        #expect(wkc.verifyData().isEmpty)
        #expect(wkc.tensors.map(\.name) == source.tensors.map(\.name))
        for t in wkc.tensors { #expect(t.byteOffset % 64 == 0, "\(t.name) not 64-byte aligned") }
        _ = try Converter.convert(wkc, to: dir + "/back.safetensors")
        let back = try SafetensorsReader.open(dir + "/back.safetensors")
        #expect(back.tensors.count == source.tensors.count)
        for t in source.tensors {
            #expect(try back.tensor(named: t.name).copyBytes() == (try source.view(t)).copyBytes(), "\(t.name)")
            #expect(back.info(named: t.name)?.shape == t.shape)
            #expect(back.info(named: t.name)?.dtype == t.dtype)
        }
        #expect(back.metadata == source.metadata)
    }

    @Test("large unchanged tensors (copied inside the kernel) round-trip bit-identically, with correct checksums")
    func largeTensorsCopiedInKernel() throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Three tensors of 1.5 MiB, 3 MiB and 17 bytes short of 2 MiB (odd sizes, odd offsets).
        let sizes = [393_216, 786_432, 524_283]
        let tensors = sizes.enumerated().map { i, n in
            let bytes = n * (i == 2 ? 1 : 4)
            return (
                name: "t\(i)", dtype: i == 2 ? "U8" : "F32", shape: [i == 2 ? bytes : n],
                data: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 7) }
            )
        }
        try Data(TestFixtures.safetensorsBytes(tensors)).write(to: URL(fileURLWithPath: dir + "/big.safetensors"))
        let source = try SafetensorsReader.open(dir + "/big.safetensors")
        _ = try Converter.convert(source, to: dir + "/big.wkc")
        let wkc = try WKCReader.open(dir + "/big.wkc")
        #expect(wkc.verifyData().isEmpty, "checksums of in-kernel copies")
        _ = try Converter.convert(wkc, to: dir + "/back.safetensors")
        let back = try SafetensorsReader.open(dir + "/back.safetensors")
        for t in source.tensors {
            #expect(try wkc.tensor(named: t.name).copyBytes() == (try source.view(t)).copyBytes(), "\(t.name) in .wkc")
            #expect(
                try back.tensor(named: t.name).copyBytes() == (try source.view(t)).copyBytes(),
                "\(t.name) back in safetensors")
        }
    }

    @Test(
        "a tensor produced piece by piece (odd piece sizes) is written as its gathered view would be, cast or not",
        arguments: [DType.f32, .f16, .bf16])
    func producedPieces(_ dtype: DType) throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let floats = (0..<10_007).map { Float($0) * 0.37 - 1000 }
        let info = TensorInfo(name: "p", dtype: .f32, shape: [10_007], byteOffset: 0, byteCount: 10_007 * 4)
        let produced = OutputTensor(name: "p", dtype: dtype, info: info) { sink in
            try floats.withUnsafeBytes { all in
                var start = 0, piece = 1
                while start < floats.count {  // 1, 4, 13, 40, … elements per piece
                    let n = min(piece, floats.count - start)
                    try sink(UnsafeRawBufferPointer(rebasing: all[(start * 4)..<((start + n) * 4)]))
                    start += n
                    piece = piece * 3 + 1
                }
            }
        }
        let gathered = try produced.sourceView()
        #expect(gathered.copyBytes() == floats.withUnsafeBytes { [UInt8]($0) })
        let plain = OutputTensor(name: "p", dtype: dtype, source: gathered)
        try WKCWriter.write([produced], to: dir + "/produced.wkc")
        try WKCWriter.write([plain], to: dir + "/plain.wkc")
        try SafetensorsWriter.write([produced], to: dir + "/produced.safetensors")
        try SafetensorsWriter.write([plain], to: dir + "/plain.safetensors")
        let a = try WKCReader.open(dir + "/produced.wkc"), b = try WKCReader.open(dir + "/plain.wkc")
        #expect(a.verifyData().isEmpty, "checksums of produced pieces")
        #expect(try a.tensor(named: "p").copyBytes() == (try b.tensor(named: "p")).copyBytes())
        #expect(
            FileManager.default.contentsEqual(
                atPath: dir + "/produced.safetensors", andPath: dir + "/plain.safetensors"))
    }

    @Test("the .wkc provenance records the source, its SHA-256 and the casts applied")
    func provenance() throws {
        let dir = try Fixture.scratchDirectory()
        let source = try SafetensorsReader.open(mixed)
        _ = try Converter.convert(source, to: dir + "/h.wkc", dtype: .f16)
        let wkc = try WKCReader.open(dir + "/h.wkc")
        let p = try #require(wkc.provenance)
        #expect(p["source_name"]?.stringValue == "mixed.safetensors")
        #expect(p["source_format"]?.stringValue == "safetensors")
        let fileBytes = try MappedFile(path: mixed)
        #expect(p["source_files"]?.arrayValue?.first?["sha256"]?.stringValue == SHA256Digest.hex(of: fileBytes.bytes))
        #expect(p["tool"]?.stringValue == WeightKitVersion.tool)
        let casts = p["transforms"]?.arrayValue ?? []
        #expect(
            casts.contains(
                .object(["kind": .string("cast"), "from": .string("F32"), "to": .string("F16"), "tensors": .int(5)])))
        #expect(
            casts.contains(
                .object(["kind": .string("cast"), "from": .string("BF16"), "to": .string("F16"), "tensors": .int(1)])))
        #expect(wkc.info(named: "position_ids")?.dtype == .i64, "integers are never cast")
        #expect(wkc.info(named: "fp8.e4m3")?.dtype == .f8e4m3, "FP8 is never cast")
    }

    @Test(
        "--dtype casts match the reference values (f16, bf16 round to nearest even)",
        arguments: [DTypePolicy.f16, .bf16, .f32])
    func dtypeCasts(_ policy: DTypePolicy) throws {
        let dir = try Fixture.scratchDirectory()
        let source = try SafetensorsReader.open(mixed)
        _ = try Converter.convert(source, to: dir + "/c.safetensors", dtype: policy)
        let out = try SafetensorsReader.open(dir + "/c.safetensors")
        for t in source.tensors where [.f32, .f16, .bf16, .f64].contains(t.dtype) {
            let original = try source.view(t).float32Array()
            let cast = try out.tensor(named: t.name)
            #expect(cast.dtype == policy.target(for: t.dtype))
            let got = try cast.float32Array()
            for (a, b) in zip(original, got) {
                let expected: Float
                switch cast.dtype {
                case .f16: expected = ElementDecoding.float(fromHalf: ElementDecoding.half(from: a))
                case .bf16: expected = ElementDecoding.float(fromBFloat: ElementDecoding.bfloat(from: a))
                default: expected = a
                }
                #expect(b == expected, "\(t.name)")
                if cast.dtype == .f16 && a.isFinite && abs(a) < 65504 && abs(a) > 6.2e-5 {
                    #expect(abs(b - a) <= abs(a) * 0.0005)
                }
            }
        }
    }
}
