/// A 2-D weight stored the way a kernel reads it (a `.wkc`'s blocked bf16 or int8 tensor),
/// offered as is, in place, to a graph that can use it without decoding: [K, N] = [in, out] in
/// `layout`, and for I8 the per-column scales (value = q · scale).
public struct PackedTensor: @unchecked Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var layout: BlockedLayout
    public var bytes: UnsafeRawBufferPointer
    public var scales: UnsafeBufferPointer<Float>?
    /// Keeps `bytes` and `scales` valid (the mapped file).
    public let owner: AnyObject

    public init(
        name: String, dtype: DType, shape: [Int], layout: BlockedLayout, bytes: UnsafeRawBufferPointer,
        scales: UnsafeBufferPointer<Float>?, owner: AnyObject
    ) {
        (self.name, self.dtype, self.shape, self.layout) = (name, dtype, shape, layout)
        (self.bytes, self.scales, self.owner) = (bytes, scales, owner)
    }
}
