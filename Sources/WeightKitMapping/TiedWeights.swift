#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints

/// Finds tensors that hold the same data: tied weights (an MLM decoder sharing the word
/// embeddings), shared layers, or the same tensor stored twice. Only tensors of equal dtype,
/// shape and size are compared, byte for byte, stopping at the first difference; tensors that
/// are decoded when read (GGUF block-quantised, a `.wkc`'s blocked bf16 / int8) are not: finding
/// ties among them would decode every one into memory before anything else could run.
public enum TiedWeights {
    public static func find(in checkpoint: any Checkpoint) -> [[String]] {
        var groups: [String: [TensorInfo]] = [:]
        for t in checkpoint.tensors
        where t.shape.count >= 2 && t.byteCount >= 64 && checkpoint.storedEncoding(t) == nil {
            groups["\(t.dtype.rawValue)\(t.shape)", default: []].append(t)
        }
        var result: [[String]] = []
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            guard let all = try? members.map({ try checkpoint.view($0) }) else { continue }
            let kept = all.indices.filter { !isConstant(all[$0]) }
            let views = kept.map { all[$0] }
            let members = kept.map { members[$0] }
            guard views.count > 1 else { continue }
            var assigned = [Bool](repeating: false, count: views.count)
            for i in views.indices where !assigned[i] {
                var cluster = [members[i].name]
                for j in (i + 1)..<views.count where !assigned[j] && equal(views[i].bytes, views[j].bytes) {
                    cluster.append(members[j].name)
                    assigned[j] = true
                }
                if cluster.count > 1 { result.append(cluster) }
            }
        }
        return result
    }

    static func isConstant(_ v: TensorView) -> Bool {
        let b = v.bytes
        guard let size = v.dtype.byteSize, b.count > size, let p = b.baseAddress else { return true }
        return memcmp(p, p + size, b.count - size) == 0  // every element equals the one before it
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == 0 }
        return pa == pb || memcmp(pa, pb, a.count) == 0
    }
}
