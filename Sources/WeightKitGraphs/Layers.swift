import WeightKitCompute

/// One layer's parameters as a graph declares them. The same value gives the parameter table
/// (`specs`) and, once bound, the layer the forward pass calls, so each name is written once.
protocol LayerDeclaration {
    var specs: [ParameterSpec] { get }
}

/// A Keras Dense (or an EinsumDense read merged to 2-D) consumed as Keras stores it:
/// `<name>.kernel` [in…, out…] and `<name>.bias`; y = x · kernel + bias.
struct KerasDense: LayerDeclaration {
    let name: String
    let kernelShape: [Int]
    let biasShape: [Int]
    let inFeatures: Int
    let outFeatures: Int

    var specs: [ParameterSpec] {
        [
            .init(name: name + ".kernel", shape: kernelShape, optional: false, isLinearWeight: false),
            .init(name: name + ".bias", shape: biasShape, optional: false, isLinearWeight: false),
        ]
    }

    /// The layer, bound.
    struct Bound {
        let kernel: BoundTensor
        let bias: BoundTensor
        let inFeatures: Int
        let outFeatures: Int

        /// y[rows × out] = x[rows × in] · kernel + bias.
        func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
            GEMM.sgemm(
                m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: kernel.pointer, ldb: outFeatures,
                c: y, ldc: outFeatures)
            Kernels.addBias(y, rows: rows, cols: outFeatures, bias: bias.pointer)
        }
    }

    func bind(_ bound: [String: BoundTensor]) -> Bound {
        Bound(
            kernel: bound[name + ".kernel"]!, bias: bound[name + ".bias"]!, inFeatures: inFeatures,
            outFeatures: outFeatures)
    }
}

/// A layer normalisation over the last dimension, with its scale and shift named as the source
/// framework names them: PyTorch's `nn.LayerNorm` `<name>.weight` / `<name>.bias`, or Keras'
/// LayerNormalization `<name>.gamma` / `<name>.beta`.
struct LayerNorm: LayerDeclaration {
    enum Spelling { case pyTorch, keras }
    let name: String
    let dim: Int
    let eps: Float
    var spelling = Spelling.pyTorch

    private var scaleName: String { name + (spelling == .pyTorch ? ".weight" : ".gamma") }
    private var shiftName: String { name + (spelling == .pyTorch ? ".bias" : ".beta") }

    var specs: [ParameterSpec] {
        [
            .init(name: scaleName, shape: [dim], optional: false, isLinearWeight: false),
            .init(name: shiftName, shape: [dim], optional: false, isLinearWeight: false),
        ]
    }

    /// The layer, bound.
    struct Bound {
        let gamma: BoundTensor
        let beta: BoundTensor
        let dim: Int
        let eps: Float

        /// Normalises `rows` rows of `dim` values in place.
        func callAsFunction(_ x: UnsafeMutablePointer<Float>, rows: Int) {
            Kernels.layerNorm(x, rows: rows, cols: dim, gamma: gamma.pointer, beta: beta.pointer, eps: eps)
        }
    }

    func bind(_ bound: [String: BoundTensor]) -> Bound {
        Bound(gamma: bound[scaleName]!, beta: bound[shiftName]!, dim: dim, eps: eps)
    }
}

/// An embedding table: one tensor `name` [rows, dim].
struct EmbeddingTable: LayerDeclaration {
    let name: String
    let rows: Int
    let dim: Int

    var specs: [ParameterSpec] { [.init(name: name, shape: [rows, dim], optional: false, isLinearWeight: false)] }

    /// The row of `index`.
    struct Bound {
        let table: BoundTensor
        let dim: Int
        func row(_ index: Int) -> UnsafePointer<Float> { table.pointer + index * dim }
    }

    func bind(_ bound: [String: BoundTensor]) -> Bound { Bound(table: bound[name]!, dim: dim) }
}

/// A PyTorch `nn.Linear`: `<name>.weight` [out, in] (either orientation in a checkpoint) and
/// `<name>.bias` [out]; y = x · Wᵀ + b. Optional layers (a pooler, a head) bind to nil when absent.
struct Linear: LayerDeclaration {
    let name: String
    let outFeatures: Int
    let inFeatures: Int
    var optional = false

    var specs: [ParameterSpec] {
        [
            .init(name: name + ".weight", shape: [outFeatures, inFeatures], optional: optional, isLinearWeight: true),
            .init(name: name + ".bias", shape: [outFeatures], optional: optional, isLinearWeight: false),
        ]
    }

    /// The layer, bound. `weight` is nil for a layer whose weights a packed kernel holds (only
    /// its bias is read here then).
    struct Bound {
        let weight: BoundTensor?
        let bias: BoundTensor

        /// y[rows × out] = x[rows × in] · Wᵀ + b, whatever the stored orientation.
        func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
            weight!.linear(x, rows: rows, bias: bias, into: y)
        }

        /// y = x · Wᵀ without the bias, for an epilogue that adds it with what follows in one pass.
        func project(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
            weight!.linear(x, rows: rows, bias: nil, into: y)
        }
    }

    /// `weightless`: bind the bias alone (the weight is held packed elsewhere).
    func bind(_ bound: [String: BoundTensor], weightless: Bool = false) -> Bound? {
        guard let b = bound[name + ".bias"] else { return nil }
        if weightless { return Bound(weight: nil, bias: b) }
        guard let w = bound[name + ".weight"] else { return nil }
        return Bound(weight: w, bias: b)
    }
}
