import Testing
import WeightKitCompute

/// `Kernels.transpose` (register-blocked 4 × 4 inside 64 × 64 tiles) against the definition,
/// on shapes that exercise every edge: ragged tiles, ragged 4 × 4 blocks, single rows/columns.
@Suite struct TransposeKernelTests {
    @Test(arguments: [
        (1, 1), (1, 7), (7, 1), (3, 5), (4, 4), (5, 9), (64, 64), (67, 131), (128, 3), (768, 3072 / 16), (130, 66),
    ])
    func matchesDefinition(rows: Int, cols: Int) {
        let src = (0..<(rows * cols)).map { Float($0) * 0.5 - 3 }
        var dst = [Float](repeating: .nan, count: rows * cols)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                Kernels.transpose(s.baseAddress!, rows: rows, cols: cols, into: d.baseAddress!)
            }
        }
        var mismatches = 0
        for r in 0..<rows {
            for c in 0..<cols where dst[c * rows + r] != src[r * cols + c] { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(rows)×\(cols): \(mismatches) elements misplaced")
    }

    @Test(
        "a column block of a wider matrix (row stride > columns), as the mapper streams transposes",
        arguments: [(5, 3, 9, 2), (67, 17, 131, 100), (64, 64, 200, 0), (3072, 85, 768, 680)])
    func columnBlock(rows: Int, cols: Int, stride: Int, firstColumn: Int) {
        let src = (0..<(rows * stride)).map { Float($0 % 10_007) - 50 }
        var dst = [Float](repeating: .nan, count: rows * cols)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                Kernels.transpose(
                    s.baseAddress! + firstColumn, rows: rows, cols: cols, sourceRowStride: stride, into: d.baseAddress!)
            }
        }
        var mismatches = 0
        for r in 0..<rows {
            for c in 0..<cols where dst[c * rows + r] != src[r * stride + firstColumn + c] { mismatches += 1 }
        }
        #expect(
            mismatches == 0,
            "\(rows)×\(cols) of stride \(stride) from column \(firstColumn): \(mismatches) elements misplaced")
    }
}
