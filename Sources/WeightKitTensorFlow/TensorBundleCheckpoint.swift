import WeightKitCheckpoints

/// An opened tensor bundle: tensors stored whole are byte ranges of the mapped data shards (read
/// in place when aligned; TensorFlow packs densely, so many are not and `TensorView` copies
/// them); tensors stored in slices are assembled into a heap copy when viewed.
public final class TensorBundleCheckpoint: Checkpoint, @unchecked Sendable {
    public let path: String
    public let format = CheckpointFormat.tensorBundle
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let modelConfig: JSONValue?
    public let mappedFiles: [MappedFile]
    let sliced: [String: TensorSlices]
    private let index: [String: Int]

    public var files: [String] { mappedFiles.map(\.path) }

    init(
        path: String, files: [MappedFile], tensors: [TensorInfo], sliced: [String: TensorSlices],
        metadata: [String: String], modelConfig: JSONValue?
    ) {
        self.path = path
        self.mappedFiles = files
        self.tensors = tensors
        self.sliced = sliced
        self.metadata = metadata
        self.modelConfig = modelConfig
        var index = [String: Int](minimumCapacity: tensors.count)
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    public func info(named name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    public func isStoredInPlace(_ info: TensorInfo) -> Bool { sliced[info.name] == nil }

    public func view(_ info: TensorInfo) throws -> TensorView {
        if let s = sliced[info.name] {
            let owned = OwnedBytes(count: info.byteCount)
            s.assemble(
                shape: info.shape, elementSize: info.dtype.byteCount(elements: 1) ?? 1, files: mappedFiles,
                into: owned.buffer)
            return TensorView(
                info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<info.byteCount]), owner: owned)
        }
        let file = mappedFiles[info.fileIndex]
        return TensorView(info: info, bytes: file.bytes(at: info.byteOffset, count: info.byteCount), owner: file)
    }
}
