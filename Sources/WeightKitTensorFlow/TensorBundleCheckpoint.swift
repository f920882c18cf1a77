import WeightKitCheckpoints

/// An opened tensor bundle: tensors stored whole are byte ranges of the mapped data shards (read
/// in place when aligned; TensorFlow packs densely, so many are not and `TensorView` copies
/// them); tensors stored in slices are assembled into a heap copy when viewed.
public final class TensorBundleCheckpoint: Checkpoint, @unchecked Sendable {
    /// The shards and the tensor list (a sliced tensor's entry there names its first slice's place).
    public let mapped: MappedCheckpoint
    let sliced: [String: TensorSlices]

    init(_ mapped: MappedCheckpoint, sliced: [String: TensorSlices]) {
        self.mapped = mapped
        self.sliced = sliced
    }

    public var path: String { mapped.path }
    public var format: CheckpointFormat { mapped.format }
    public var tensors: [TensorInfo] { mapped.tensors }
    public var files: [String] { mapped.files }
    public var metadata: [String: String] { mapped.metadata }
    public var modelConfig: JSONValue? { mapped.modelConfig }
    public var mappedFiles: [MappedFile] { mapped.mappedFiles }

    public func info(named name: String) -> TensorInfo? { mapped.info(named: name) }

    public func isStoredInPlace(_ info: TensorInfo) -> Bool { sliced[info.name] == nil }

    public func view(_ info: TensorInfo) throws -> TensorView {
        guard let s = sliced[info.name] else { return try mapped.view(info) }
        let owned = OwnedBytes(count: info.byteCount)
        s.assemble(
            shape: info.shape, elementSize: info.dtype.byteCount(elements: 1) ?? 1, files: mapped.mappedFiles,
            into: owned.buffer)
        return TensorView(
            info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<info.byteCount]), owner: owned)
    }
}
