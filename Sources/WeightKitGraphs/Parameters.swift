import WeightKitCheckpoints
import WeightKitCompute

/// How a 2-D weight is stored: PyTorch Linear [out, in] or Keras Dense [in, out].
public enum WeightLayout: String, Sendable {
    case outIn = "out_in"
    case inOut = "in_out"
}

/// One parameter a graph needs: its canonical name (Hugging Face PyTorch spelling, `{layer}`
/// for the block index), its shape in canonical orientation, and whether the graph can do
/// without it.
public struct ParameterSpec: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var optional: Bool
    /// 2-D weights of linear layers may come in either orientation.
    public var isLinearWeight: Bool
}

/// A float32 tensor a graph holds: in place in the mapped checkpoint when it is F32 and aligned,
/// otherwise converted once at bind time.
public struct BoundTensor: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let shape: [Int]
    /// The orientation of the data held (PyTorch [out, in] weights are transposed at bind time).
    public let layout: WeightLayout
    private let owner: AnyObject
    /// True when the values were converted (dtype or alignment) rather than used in place.
    public let copied: Bool
    /// The checkpoint's view, when the values are used in place (its pages can be released).
    private let mapped: TensorView?

    /// `linearWeight`: a 2-D weight of a linear layer, stored [in, out] for the GEMM.
    init(view: TensorView, layout: WeightLayout, shape: [Int]? = nil, linearWeight: Bool = false) throws {
        let shape = shape ?? view.shape
        if linearWeight, layout == .outIn, shape.count == 2 {
            // oneDNN's fast path wants B as [K, N] = [in, out]; its transposed-B path runs at about
            // half the speed on two threads (BENCHMARKS.md). Transpose once here, in
            // blocks, and let the mapped source pages go. (A graph-ready .wkc stores [in, out]
            // and is used in place.)
            let (outF, inF) = (shape[0], shape[1])
            let buffer = FloatBuffer(count: outF * inF)
            try view.withFloat32 { src in
                Kernels.transpose(src.baseAddress!, rows: outF, cols: inF, into: buffer.pointer)
            }
            view.releaseResidentPages()
            pointer = UnsafePointer(buffer.pointer)
            owner = buffer
            copied = true
            mapped = nil
            self.layout = .inOut
            self.shape = [inF, outF]
            return
        }
        self.shape = shape
        self.layout = layout
        if view.dtype == .f32, view.isAligned, let p = view.bytes.baseAddress {
            pointer = UnsafePointer(p.assumingMemoryBound(to: Float.self))
            owner = view.storageOwner
            copied = false
            mapped = view
        } else {
            let values = try view.float32Array()
            let buffer = FloatBuffer(count: values.count)
            values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
            pointer = UnsafePointer(buffer.pointer)
            owner = buffer
            copied = true
            mapped = nil
        }
    }

    /// Lets the kernel drop the resident pages of weights used in place from a mapped file (read
    /// again from the file if touched later): after they were packed into another precision.
    public func releaseResidentPages() { mapped?.releaseResidentPages() }

    /// y[rows × out] = x[rows × in] · Wᵀ (+ bias), whatever the stored orientation.
    public func linear(_ x: UnsafePointer<Float>, rows: Int, bias: BoundTensor?, into y: UnsafeMutablePointer<Float>) {
        let (outF, inF) = layout == .outIn ? (shape[0], shape[1]) : (shape[1], shape[0])
        GEMM.sgemm(
            transB: layout == .outIn, m: rows, n: outF, k: inF, a: x, lda: inF, b: pointer,
            ldb: layout == .outIn ? inF : outF, c: y, ldc: outF)
        if let bias { Kernels.addBias(y, rows: rows, cols: outF, bias: bias.pointer) }
    }
}

/// Every problem binding a checkpoint to a graph, reported together.
public struct ParameterBindingError: Error, Sendable, CustomStringConvertible {
    /// One binding problem.
    public enum Problem: Sendable, Equatable {
        case missing(String)
        case shapeMismatch(String, expected: [Int], found: [Int])
        case unconvertible(String, dtype: DType)
    }
    public var graph: String
    public var problems: [Problem]
    public var description: String {
        "cannot bind the \(graph) graph:\n"
            + problems.map { p -> String in
                switch p {
                case .missing(let n): return "  missing parameter \(n)"
                case let .shapeMismatch(n, e, f): return "  parameter \(n): expected shape \(e), found \(f)"
                case let .unconvertible(n, d): return "  parameter \(n): \(d.rawValue) cannot be used as float32"
                }
            }.joined(separator: "\n")
    }
}

/// Resolves canonical parameter names to checkpoint tensors (a mapper, or a fixed name table).
public protocol ParameterSource {
    /// The tensor for a canonical name and how a 2-D weight is oriented, or nil when absent.
    func tensor(for canonicalName: String) throws -> (view: TensorView, layout: WeightLayout)?
    /// The tensor as stored in a kernel's blocked layout (a `.wkc`'s packed bf16 / int8 linear
    /// weight, [in, out]), for use in place; nil when it is stored plain or absent.
    func packedTensor(for canonicalName: String) -> PackedTensor?
}

extension ParameterSource {
    public func packedTensor(for canonicalName: String) -> PackedTensor? { nil }
}

/// Binds a list of specs, collecting every problem.
public struct ParameterBinder {
    let graph: String
    let source: ParameterSource
    var problems: [ParameterBindingError.Problem] = []
    var bound: [String: BoundTensor] = [:]

    init(graph: String, source: ParameterSource) {
        self.graph = graph
        self.source = source
    }

    mutating func bind(_ specs: [ParameterSpec]) throws {
        for spec in specs {
            guard let (view, layout) = try source.tensor(for: spec.name) else {
                if !spec.optional { problems.append(.missing(spec.name)) }
                continue
            }
            var expected = spec.shape
            if spec.isLinearWeight, layout == .inOut { expected = [spec.shape[1], spec.shape[0]] }
            guard view.shape == expected || ParameterBinder.isContiguousReshape(view.shape, to: expected) else {
                problems.append(.shapeMismatch(spec.name, expected: expected, found: view.shape)); continue
            }
            guard view.dtype.isDecodableAsReal else {
                problems.append(.unconvertible(spec.name, dtype: view.dtype)); continue
            }
            bound[spec.name] = try BoundTensor(
                view: view, layout: spec.isLinearWeight ? layout : .outIn, shape: expected,
                linearWeight: spec.isLinearWeight)
        }
        if !problems.isEmpty { throw ParameterBindingError(graph: graph, problems: problems) }
    }

    /// Whether row-major data of `shape` can be read as `target` by merging runs of consecutive
    /// dimensions (Keras EinsumDense kernels [H, heads, head_dim] read as [H, H], [heads, head_dim]
    /// biases as [H]): nothing moves, only the bookkeeping changes.
    public static func isContiguousReshape(_ shape: [Int], to target: [Int]) -> Bool {
        guard shape.reduce(1, *) == target.reduce(1, *), shape.count >= target.count else { return false }
        var i = 0
        for t in target {
            guard i < shape.count else { return false }
            var prod = shape[i]
            i += 1
            while prod < t, i < shape.count { prod *= shape[i]; i += 1 }
            if prod != t { return false }
        }
        return i == shape.count
    }
}
