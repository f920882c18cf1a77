import Testing
import WeightKitCompute

/// bf16 and int8 packed linear layers against the float32 product, on shapes with ragged edges
/// and both stored orientations — or, where this CPU has no kernel for the precision, the refusal
/// that says what it needs (never a silent fallback to oneDNN's emulation).
@Suite struct PackedMatmulTests {
    /// Frobenius-relative error of y against the exact product.
    static func relativeError(
        _ precision: Precision, m: Int, k: Int, n: Int, transposed: Bool
    ) throws -> Double? {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(m * 31 + k * 7 + n)
        func next() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed >> 11) % 2001) / 1000 - 1
        }
        let w = (0..<(k * n)).map { _ in next() }  // [k, n], or [n, k] when transposed
        let x = (0..<(m * k)).map { _ in next() * 3 }
        var exact = [Double](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n {
                var s = 0.0
                for i in 0..<k { s += Double(x[r * k + i]) * Double(transposed ? w[c * k + i] : w[i * n + c]) }
                exact[r * n + c] = s
            }
        }
        let packed: PackedMatmul
        do {
            packed = try w.withUnsafeBufferPointer {
                try PackedMatmul(
                    precision: precision, inFeatures: k, outFeatures: n, weights: $0.baseAddress!,
                    rowStride: transposed ? k : n, transposed: transposed)
            }
        } catch let e as PackedMatmul.Unavailable {
            #expect(!Self.hardwareHas(precision), "\(precision) refused on a CPU that has it: \(e)")
            #expect(e.description.contains("needs a CPU with"), "\(e)")
            return nil
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(64, packed.scratchBytes(rows: m)), alignment: 64)
        defer { scratch.deallocate() }
        var y = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer {
                packed(xp.baseAddress!, rows: m, into: $0.baseAddress!, scratch: scratch)
            }
        }
        var err = 0.0, ref = 0.0
        for i in 0..<(m * n) {
            err += (Double(y[i]) - exact[i]) * (Double(y[i]) - exact[i])
            ref += exact[i] * exact[i]
        }
        return (err / ref).squareRoot()
    }

    /// The instructions the packed kernels need (AMX or AVX-512's): where present, the precision must be offered.
    static func hardwareHas(_ p: Precision) -> Bool {
        let f = CPUFeatures.flags
        return p == .bf16
            ? f.contains("avx512_bf16") || f.contains("amx_bf16")
            : f.contains("avx512_vnni")
                || f.contains("amx_int8")
    }

    @Test(
        "bf16: within bf16 rounding of the float32 product",
        arguments: [(1, 32, 48, false), (5, 384, 96, true), (64, 96, 1152, false), (130, 33, 17, true)])
    func bf16(m: Int, k: Int, n: Int, transposed: Bool) throws {
        guard let e = try Self.relativeError(.bf16, m: m, k: k, n: n, transposed: transposed) else { return }
        // Above zero too: the product really was rounded to bf16 (not run in float32 unnoticed).
        #expect(e < 6e-3 && e > 1e-5, "\(m)×\(k)×\(n): relative error \(e)")
    }

    @Test(
        "int8: within int8 quantisation of the float32 product (per-column weights, per-row activations)",
        arguments: [(1, 32, 48, false), (5, 384, 96, true), (64, 96, 1152, false), (130, 33, 17, true)])
    func int8(m: Int, k: Int, n: Int, transposed: Bool) throws {
        guard let e = try Self.relativeError(.int8, m: m, k: k, n: n, transposed: transposed) else { return }
        #expect(e < 2.5e-2 && e > 1e-4, "\(m)×\(k)×\(n): relative error \(e)")
    }
}
