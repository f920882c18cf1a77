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

/// A Keras LayerNormalization: `<name>.gamma`, `<name>.beta` over the last dimension.
struct KerasLayerNorm: LayerDeclaration {
    let name: String
    let dim: Int
    let eps: Float

    var specs: [ParameterSpec] {
        [
            .init(name: name + ".gamma", shape: [dim], optional: false, isLinearWeight: false),
            .init(name: name + ".beta", shape: [dim], optional: false, isLinearWeight: false),
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
        Bound(gamma: bound[name + ".gamma"]!, beta: bound[name + ".beta"]!, dim: dim, eps: eps)
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
