import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs

/// A linear weight written as a bf16 / int8 kernel reads it: [in, out] rounded to bf16 or
/// quantised to int8 (per output column, with an F32 `<name>_scale` tensor), in a blocked layout —
/// the bytes the bind-time packing of `PackedMatmul` would make from the same float32 weights.
enum PackedWeight {
    /// The weight (and for int8 its scales), each produced from the source when written.
    static func outputs(
        _ checkpoint: any Checkpoint, _ info: TensorInfo, as name: String, sourceLayout: WeightLayout, rows k: Int,
        cols n: Int, precision: Precision
    ) throws -> [OutputTensor] {
        let int8 = precision == .int8
        let layout = BlockedLayout(
            tag: (try? PackedMatmul.preferredLayout(precision: precision, inFeatures: k, outFeatures: n))
                ?? (int8 ? "BA16a64b4a" : "BA16a64b2a"))!
        let dtype: DType = int8 ? .i8 : .bf16
        let bytes = layout.byteCount(rows: k, cols: n, elementSize: int8 ? 1 : 2)!
        // [in, out] float32, from either stored orientation (a Keras EinsumDense kernel, merged to
        // 2-D, is [in, out] already).
        let floats: @Sendable () throws -> [Float] = {
            let values = try checkpoint.view(info).float32Array()
            guard sourceLayout == .outIn else { return values }
            var t = [Float](repeating: 0, count: k * n)
            values.withUnsafeBufferPointer { src in
                t.withUnsafeMutableBufferPointer {
                    Kernels.transpose(src.baseAddress!, rows: n, cols: k, into: $0.baseAddress!)
                }
            }
            return t
        }
        let weightInfo = TensorInfo(name: name, dtype: dtype, shape: [k, n], byteOffset: 0, byteCount: bytes)
        var weight = OutputTensor(name: name, dtype: dtype, info: weightInfo, inPlace: false) {
            let w = try floats()
            let owned = OwnedBytes(count: bytes)
            let out = UnsafeMutableRawBufferPointer(rebasing: owned.buffer[0..<bytes])
            w.withUnsafeBufferPointer { wp in
                if int8 {
                    let q = PackedMatmul.int8Weights(wp.baseAddress!, inFeatures: k, outFeatures: n).values
                    q.withUnsafeBytes { layout.pack($0, rows: k, cols: n, elementSize: 1, into: out) }
                } else {
                    let q = PackedMatmul.bf16Weights(wp.baseAddress!, inFeatures: k, outFeatures: n)
                    q.withUnsafeBytes { layout.pack($0, rows: k, cols: n, elementSize: 2, into: out) }
                }
            }
            return TensorView(info: weightInfo, bytes: UnsafeRawBufferPointer(out), owner: owned)
        }
        weight.layout = layout
        guard int8 else { return [weight] }
        let scaleName = name + "_scale"
        weight.scale = scaleName
        let scaleInfo = TensorInfo(name: scaleName, dtype: .f32, shape: [n], byteOffset: 0, byteCount: n * 4)
        let scale = OutputTensor(name: scaleName, dtype: .f32, info: scaleInfo, inPlace: false) {
            let w = try floats()
            let s = w.withUnsafeBufferPointer {
                PackedMatmul.int8Weights($0.baseAddress!, inFeatures: k, outFeatures: n).scales
            }
            let owned = OwnedBytes(count: n * 4)
            s.withUnsafeBytes { owned.buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n * 4) }
            return TensorView(
                info: scaleInfo, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<(n * 4)]), owner: owned)
        }
        return [weight, scale]
    }

    /// `outputs` with each layer's packed weights in the order a reader uses in place: the query,
    /// key and value weights back to back where the query's stood, then their scales; the others
    /// where they stood, each followed by its scales.
    static func ordered(_ outputs: [OutputTensor], packed: [String: [OutputTensor]], layers: [[String]])
        -> [OutputTensor]
    {
        var groupOf: [String: [String]] = [:]
        for names in layers where names.count >= 3 {
            groupOf[names[0]] = Array(names[0..<3])
            for n in names[1..<3] { groupOf[n] = [] }  // written with the query
        }
        var result: [OutputTensor] = []
        for t in outputs {
            guard let p = packed[t.name] else { result.append(t); continue }
            guard let group = groupOf[t.name] else { result += p; continue }
            let members = group.compactMap { packed[$0] }
            result += members.map { $0[0] } + members.flatMap { $0.dropFirst() }
        }
        return result
    }
}
