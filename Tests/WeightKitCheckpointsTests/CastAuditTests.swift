import Testing

@testable import WeightKitCheckpoints

/// The cast audit's counts on values chosen to sit on each side of f16's and bf16's limits.
@Suite("Cast audit")
struct CastAuditTests {
    static func audit(_ values: [Float], to: DType) -> CastAudit.Entry {
        let audit = CastAudit()
        var out = [UInt8](repeating: 0, count: values.count * 2)
        values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                ElementDecoding.convert(src, from: .f32, to: to, into: dst.baseAddress!, count: values.count)
                audit.count(tensor: "t", src.baseAddress!, from: .f32, dst.baseAddress!, to: to, count: values.count)
            }
        }
        return audit.entries[0]
    }

    @Test("f32 → f16: overflow past 65504 (65519 still rounds to it), flush under 2^-25, subnormal under 2^-14")
    func f16() {
        let e = Self.audit([1e5, -7e4, 65519, 65504, 1e-9, -2e-8, 3e-6, 1, 0, .infinity, .nan], to: .f16)
        #expect(e.overflowed == 2)  // 1e5 and -7e4; an infinite source is not an overflow
        #expect(e.flushedToZero == 2)  // 1e-9 and -2e-8 (2^-25 ≈ 2.98e-8 rounds to even: 0)
        #expect(e.subnormal == 1)  // 3e-6
        #expect(e.maxAbs == 1e5 && e.targetMax == 65504)
        #expect(e.isLossy)
    }

    @Test("f32 → bf16: f32's range, so only the smallest subnormals flush")
    func bf16() {
        let e = Self.audit([1e38, 1e-39, 1e-45, 3e38, 1], to: .bf16)
        #expect(e.overflowed == 0 && e.flushedToZero == 1 && e.subnormal == 1)
    }

    @Test("the generic path (f64 sources) counts the same way; strict refuses before commit")
    func f64AndStrict() throws {
        let audit = CastAudit(strict: true)
        let values: [Double] = [1e300, 1e-300, 1e-40, 2]
        var out = [Float](repeating: 0, count: 4)
        values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                ElementDecoding.convert(src, from: .f64, to: .f32, into: dst.baseAddress!, count: 4)
                audit.count(tensor: "d", src.baseAddress!, from: .f64, dst.baseAddress!, to: .f32, count: 4)
            }
        }
        let e = audit.entries[0]
        #expect(e.overflowed == 1 && e.flushedToZero == 1 && e.subnormal == 1)
        #expect { try audit.verdict(file: "x") } throws: { "\($0)".contains("tensor 'd' F64 → F32: 1 overflow") }
        #expect(throws: Never.self) { try CastAudit().verdict(file: "x") }
    }
}
