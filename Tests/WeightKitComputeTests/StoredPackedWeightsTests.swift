import Testing
import WeightKitCheckpoints
import WeightKitCompute

/// Weights stored packed (a `.wkc` from `convert --precision`) against the bind-time packing of the
/// same float32 weights: WeightKit's own blocked layout must be byte for byte what oneDNN's
/// reorder makes, a layer made from those bytes must use them in place and compute exactly what
/// the bind-time layer computes, and a layout oneDNN does not want here is repacked, not misread.
@Suite struct StoredPackedWeightsTests {
    static func weights(_ k: Int, _ n: Int) -> [Float] {
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D &* UInt64(k * 131 + n)
        return (0..<(k * n)).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed >> 11) % 2001) / 1000 - 1
        }
    }

    /// The plain rounded / quantised values and scales WeightKit writes for w.
    static func plain(_ p: Precision, _ w: [Float], _ k: Int, _ n: Int) -> (bytes: [UInt8], scales: [Float]?) {
        w.withUnsafeBufferPointer { wp in
            if p == .bf16 {
                let q = PackedMatmul.bf16Weights(wp.baseAddress!, inFeatures: k, outFeatures: n)
                return (q.withUnsafeBytes { Array($0) }, nil)
            }
            let (q, s) = PackedMatmul.int8Weights(wp.baseAddress!, inFeatures: k, outFeatures: n)
            return (q.withUnsafeBytes { Array($0) }, s)
        }
    }

    static func run(_ layer: PackedMatmul, _ x: [Float], rows m: Int) -> [Float] {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(64, layer.scratchBytes(rows: m)), alignment: 64)
        defer { scratch.deallocate() }
        var y = [Float](repeating: .nan, count: m * layer.outFeatures)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer {
                layer(xp.baseAddress!, rows: m, into: $0.baseAddress!, scratch: scratch)
            }
        }
        return y
    }

    @Test(
        "stored packed bytes = oneDNN's packing, used in place, same results as bind-time packing",
        arguments: [Precision.bf16, .int8], [(32, 48), (100, 70), (384, 1152), (33, 65)])
    func storedEqualsBindTime(_ precision: Precision, _ shape: (Int, Int)) throws {
        let (k, n) = shape
        let w = Self.weights(k, n)
        let bindTime: PackedMatmul
        do {
            bindTime = try w.withUnsafeBufferPointer {
                try PackedMatmul(
                    precision: precision, inFeatures: k, outFeatures: n, weights: $0.baseAddress!, rowStride: n,
                    transposed: false)
            }
        } catch let e as PackedMatmul.Unavailable {
            #expect(!PackedMatmulTests.hardwareHas(precision), "\(precision) refused on a CPU that has it: \(e)")
            return
        }
        let tag = try PackedMatmul.preferredLayout(precision: precision, inFeatures: k, outFeatures: n)
        let layout = try #require(BlockedLayout(tag: tag), "oneDNN wants \(tag)")
        let es = precision == .bf16 ? 2 : 1
        let (q, scales) = Self.plain(precision, w, k, n)
        let size = try #require(layout.byteCount(rows: k, cols: n, elementSize: es))
        var ours = [UInt8](repeating: 0xEE, count: size)
        q.withUnsafeBytes { src in
            ours.withUnsafeMutableBytes { layout.pack(src, rows: k, cols: n, elementSize: es, into: $0) }
        }
        #expect(Array(bindTime.packedWeights) == ours, "\(precision) \(k)×\(n) in \(tag): bytes differ from oneDNN's")
        var back = [UInt8](repeating: 0, count: q.count)
        ours.withUnsafeBytes { src in
            back.withUnsafeMutableBytes { layout.unpack(src, rows: k, cols: n, elementSize: es, into: $0) }
        }
        #expect(back == q)

        let stored = try ours.withUnsafeBytes { bytes in
            try (scales ?? []).withUnsafeBufferPointer { sp in
                try PackedMatmul(
                    precision: precision, inFeatures: k, outFeatures: n, layout: tag, packed: bytes,
                    scales: scales == nil ? nil : sp, storage: nil)
            }
        }
        #expect(stored.kernel.contains("weights in place"), "\(stored.kernel)")
        let m = 7
        let x = Self.weights(m, k).map { $0 * 2 }
        let expected = Self.run(bindTime, x, rows: m)
        #expect(ours.withUnsafeBytes { _ in Self.run(stored, x, rows: m) } == expected)

        // Another blocking of the same values is reordered into the kernel's once, same results.
        let other = BlockedLayout(a1: 16, b: 32, a2: es == 2 ? 2 : 4)
        var theirs = [UInt8](repeating: 0, count: other.byteCount(rows: k, cols: n, elementSize: es)!)
        q.withUnsafeBytes { src in
            theirs.withUnsafeMutableBytes { other.pack(src, rows: k, cols: n, elementSize: es, into: $0) }
        }
        let repacked = try theirs.withUnsafeBytes { bytes in
            try (scales ?? []).withUnsafeBufferPointer { sp in
                try PackedMatmul(
                    precision: precision, inFeatures: k, outFeatures: n, layout: other.description, packed: bytes,
                    scales: scales == nil ? nil : sp, storage: nil)
            }
        }
        #expect(repacked.kernel.contains("repacked from \(other)"), "\(repacked.kernel)")
        #expect(Self.run(repacked, x, rows: m) == expected)
    }

    @Test("stored packed weights of the wrong size or an unknown layout are refused by name")
    func refusals() throws {
        guard (try? PackedMatmul.preferredLayout(precision: .bf16, inFeatures: 32, outFeatures: 64)) != nil else {
            return
        }
        let bytes = [UInt8](repeating: 0, count: 100)
        for (layout, needle) in [("BA16a64b2a", "take 4096 bytes, not 100"), ("BA8a64b2a", "not one of oneDNN's")] {
            #expect {
                try bytes.withUnsafeBytes {
                    _ = try PackedMatmul(
                        precision: .bf16, inFeatures: 32, outFeatures: 64, layout: layout, packed: $0, scales: nil,
                        storage: nil)
                }
            } throws: { "\($0)".contains(needle) }
        }
    }

    @Test("BlockedLayout parses oneDNN's tags and nothing else")
    func parsing() {
        #expect(BlockedLayout(tag: "BA16a64b4a") == BlockedLayout(a1: 16, b: 64, a2: 4))
        #expect(BlockedLayout(tag: "BA16a64b4a")?.description == "BA16a64b4a")
        for bad in ["", "ab", "BA16a64b", "BA0a64b2a", "BA16a64b2ax", "AB16b64a2b", "BA16a9999b2a", "BA-1a64b2a"] {
            #expect(BlockedLayout(tag: bad) == nil, "\(bad)")
        }
        #expect(BlockedLayout(a1: 16, b: 64, a2: 2).byteCount(rows: 33, cols: 65, elementSize: 2) == 64 * 128 * 2)
    }
}
