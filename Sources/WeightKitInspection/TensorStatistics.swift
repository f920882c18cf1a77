import Dispatch
import WeightKitCheckpoints

/// Summary statistics of one tensor's values. min/max/mean/std are over the finite values;
/// NaN and ±Inf are counted separately. std is the population standard deviation.
public struct TensorStatistics: Sendable, Equatable {
    public var count: Int
    public var finiteCount: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    public var std: Double
    public var nanCount: Int
    public var infCount: Int
}

/// A partial result over a range of elements, merged with Chan et al.'s pairwise formula.
struct StatsAccumulator: Sendable {
    var n = 0
    var mean = 0.0
    var m2 = 0.0
    var min = Double.infinity
    var max = -Double.infinity
    var nan = 0
    var inf = 0

    mutating func merge(_ o: StatsAccumulator) {
        nan += o.nan
        inf += o.inf
        if o.n == 0 { return }
        if n == 0 { let (a, b) = (nan, inf); self = o; nan = a; inf = b; return }
        let total = n + o.n
        let delta = o.mean - mean
        mean += delta * Double(o.n) / Double(total)
        m2 += o.m2 + delta * delta * Double(n) * Double(o.n) / Double(total)
        n = total
        min = Swift.min(min, o.min)
        max = Swift.max(max, o.max)
    }

    /// Adds a block of floats. Blocks whose SIMD sums stay finite contain only finite values and
    /// take the fast path; the others are walked element by element.
    mutating func add(_ p: UnsafePointer<Float>, _ count: Int) {
        var i = 0
        let block = 1024
        while i < count {
            let n = Swift.min(block, count - i)
            addBlock(p + i, n)
            i += n
        }
    }

    private mutating func addBlock(_ p: UnsafePointer<Float>, _ count: Int) {
        var vsum = SIMD8<Float>(repeating: 0), vsq = SIMD8<Float>(repeating: 0)
        var vmin = SIMD8<Float>(repeating: .infinity), vmax = SIMD8<Float>(repeating: -.infinity)
        let vec = count / 8
        let raw = UnsafeRawPointer(p)
        for k in 0..<vec {
            let v = raw.loadUnaligned(fromByteOffset: k * 32, as: SIMD8<Float>.self)
            vsum += v
            vsq += v * v
            vmin = pointwiseMin(vmin, v)
            vmax = pointwiseMax(vmax, v)
        }
        var sum = Double(vsum.sum()), sq = Double(vsq.sum())
        var lo = Double(vmin.min()), hi = Double(vmax.max())
        for k in (vec * 8)..<count {
            let x = Double(p[k])
            sum += x; sq += x * x; lo = Swift.min(lo, x); hi = Swift.max(hi, x)
        }
        if sum.isFinite && sq.isFinite {
            var b = StatsAccumulator()
            b.n = count
            b.mean = sum / Double(count)
            b.m2 = Swift.max(0, sq - sum * sum / Double(count))
            b.min = lo
            b.max = hi
            merge(b)
            return
        }
        // Slow path: non-finite values (or float overflow of the block sums).
        var b = StatsAccumulator()
        var s = 0.0, s2 = 0.0
        for k in 0..<count {
            let x = p[k]
            if x.isNaN { b.nan += 1; continue }
            if x.isInfinite { b.inf += 1; continue }
            let d = Double(x)
            b.n += 1; s += d; s2 += d * d
            b.min = Swift.min(b.min, d); b.max = Swift.max(b.max, d)
        }
        if b.n > 0 {
            b.mean = s / Double(b.n)
            b.m2 = Swift.max(0, s2 - s * s / Double(b.n))
        }
        merge(b)
    }

    func result(count: Int) -> TensorStatistics {
        TensorStatistics(
            count: count, finiteCount: n, min: n > 0 ? min : .nan, max: n > 0 ? max : .nan,
            mean: n > 0 ? mean : .nan, std: n > 0 ? (m2 / Double(n)).squareRoot() : .nan,
            nanCount: nan, infCount: inf)
    }
}

/// Computes `TensorStatistics` for many tensors, spread over the cores.
public enum StatisticsCalculator {
    static let chunkElements = 1 << 20

    /// Statistics of many tensors at once, spread over every core: tensors are cut into chunks
    /// of about a million elements and the chunks handed out to a concurrent loop. Tensors whose
    /// dtype has no real value (complex, packed sub-byte) get nil.
    public static func compute(_ views: [TensorView]) -> [TensorStatistics?] {
        struct Work { var tensor: Int; var start: Int; var count: Int }
        var work: [Work] = []
        for (t, v) in views.enumerated() where v.dtype.isDecodableAsReal {
            let n = v.elementCount
            var s = 0
            while s < n { work.append(Work(tensor: t, start: s, count: min(chunkElements, n - s))); s += chunkElements }
        }
        let partial = UnsafeMutableBufferPointer<StatsAccumulator>.allocate(capacity: max(1, work.count))
        partial.initialize(repeating: StatsAccumulator())
        defer { partial.deallocate() }
        nonisolated(unsafe) let out = partial
        let items = work
        DispatchQueue.concurrentPerform(iterations: items.count) { w in
            let item = items[w]
            let v = views[item.tensor]
            var acc = StatsAccumulator()
            if v.dtype == .f32, v.isAligned, let base = v.bytes.baseAddress {
                acc.add(base.assumingMemoryBound(to: Float.self) + item.start, item.count)
                // A streaming pass: give the mapped pages back so RSS stays flat on large files.
                v.releaseResidentPages(byteRange: (item.start * 4)..<((item.start + item.count) * 4))
            } else {
                let size = v.dtype.byteSize!
                let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 8192)
                defer { tmp.deallocate() }
                var s = 0
                while s < item.count {
                    let n = min(8192, item.count - s)
                    let lo = (item.start + s) * size
                    ElementDecoding.decodeFloat32(
                        UnsafeRawBufferPointer(rebasing: v.bytes[lo..<(lo + n * size)]), dtype: v.dtype, into: tmp,
                        count: n)
                    acc.add(tmp, n)
                    s += n
                }
            }
            out[w] = acc
        }
        var merged = [StatsAccumulator?](repeating: nil, count: views.count)
        for (t, v) in views.enumerated() where v.dtype.isDecodableAsReal { merged[t] = StatsAccumulator() }
        for (w, item) in items.enumerated() { merged[item.tensor]!.merge(partial[w]) }
        return views.indices.map { merged[$0]?.result(count: views[$0].elementCount) }
    }
}
