/// How one graph output compares with the reference, as plain data (rendered elsewhere).
/// Pass rule: |a − e| ≤ atol + rtol·|e| for every compared element (torch.testing's rule).
public struct OutputComparison: Sendable {
    public var name: String
    public var shape: [Int]
    public var expectedShape: [Int]
    public var compared: Int
    public var mismatched: Int
    public var maxAbsError: Double
    /// Flat index (row-major) of the largest absolute error.
    public var maxAbsIndex: [Int]
    public var maxRelError: Double
    public var meanAbsError: Double
    /// Normalised mean squared error Σ(a−e)² / Σe², and in dB.
    public var nmse: Double
    public var nmseDB: Double
    public var cosine: Double
    /// The smallest atol that would have passed with this rtol.
    public var minPassingAtol: Double
    public var nanCount: Int
    public var infCount: Int
    public var atol: Double
    public var rtol: Double
    public var shapeMatches: Bool { shape == expectedShape }
    public var passed: Bool { shapeMatches && mismatched == 0 && nanCount == 0 && infCount == 0 && compared > 0 }

    /// Compares `actual` with `expected`; for token outputs ([B, S, …]) only where `mask` is 1.
    public static func compare(
        name: String, actual: [Float], shape: [Int], expected: [Float], expectedShape: [Int],
        mask: [[Int]]?, atol: Double, rtol: Double
    ) -> OutputComparison {
        var c = OutputComparison(
            name: name, shape: shape, expectedShape: expectedShape, compared: 0, mismatched: 0, maxAbsError: 0,
            maxAbsIndex: [], maxRelError: 0, meanAbsError: 0, nmse: 0, nmseDB: 0, cosine: 0,
            minPassingAtol: 0, nanCount: 0, infCount: 0, atol: atol, rtol: rtol)
        guard shape == expectedShape, actual.count == expected.count else { return c }
        let tokenLevel = shape.count >= 3 && mask != nil
        let inner = tokenLevel ? shape[2...].reduce(1, *) : 1
        var sumAbs = 0.0, sumErr2 = 0.0, sumRef2 = 0.0, dot = 0.0, sumAct2 = 0.0, worst = -1.0
        var worstIndex = 0
        for i in 0..<actual.count {
            if tokenLevel, let mask {
                let token = i / inner
                if mask[token / shape[1]][token % shape[1]] == 0 { continue }
            }
            let a = Double(actual[i]), e = Double(expected[i])
            if a.isNaN { c.nanCount += 1; continue }
            if a.isInfinite { c.infCount += 1; continue }
            let err = abs(a - e)
            c.compared += 1
            if err > atol + rtol * abs(e) { c.mismatched += 1 }
            if err > worst { worst = err; worstIndex = i }
            if e != 0 { c.maxRelError = max(c.maxRelError, err / abs(e)) }
            c.minPassingAtol = max(c.minPassingAtol, err - rtol * abs(e))
            sumAbs += err; sumErr2 += err * err; sumRef2 += e * e; dot += a * e; sumAct2 += a * a
        }
        c.maxAbsError = max(0, worst)
        var idx: [Int] = []
        var rest = worstIndex
        for d in shape.reversed() { idx.insert(rest % max(d, 1), at: 0); rest /= max(d, 1) }
        c.maxAbsIndex = idx
        c.meanAbsError = c.compared > 0 ? sumAbs / Double(c.compared) : 0
        c.nmse = sumRef2 > 0 ? sumErr2 / sumRef2 : (sumErr2 == 0 ? 0 : .infinity)
        c.nmseDB = c.nmse > 0 ? 10 * log10(c.nmse) : -.infinity
        c.cosine =
            sumAct2 > 0 && sumRef2 > 0 ? dot / (sumAct2.squareRoot() * sumRef2.squareRoot()) : (sumErr2 == 0 ? 1 : 0)
        c.minPassingAtol = max(0, c.minPassingAtol)
        return c
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
