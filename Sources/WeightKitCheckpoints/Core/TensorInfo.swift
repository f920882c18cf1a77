/// What a checkpoint says about one tensor, without its bytes.
public struct TensorInfo: Sendable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    /// Where the bytes live: which file of the checkpoint (0 for single-file checkpoints) and the
    /// absolute byte range inside it.
    public var fileIndex: Int
    public var byteOffset: Int
    public var byteCount: Int
    /// Other names the format knows the tensor by (a TF2 bundle's checkpoint key and object
    /// paths when the tensor is named by its variable's full name); empty for most formats.
    public var aliases: [String] = []

    public init(
        name: String, dtype: DType, shape: [Int], fileIndex: Int = 0, byteOffset: Int, byteCount: Int,
        aliases: [String] = []
    ) {
        self.aliases = aliases
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.fileIndex = fileIndex
        self.byteOffset = byteOffset
        self.byteCount = byteCount
    }

    /// Number of elements (1 for rank 0). Validated readers guarantee it does not overflow.
    public var elementCount: Int { WeightKitCheckpoints.elementCount(of: shape) ?? 0 }

    public var shapeDescription: String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
