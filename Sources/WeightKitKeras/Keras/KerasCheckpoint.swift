import WeightKitCheckpoints

/// A Keras-family HDF5 checkpoint (legacy `.h5`, Keras 3 `.weights.h5`, Hugging Face
/// `tf_model.h5` or one of its shards) read through libhdf5. Contiguous datasets are viewed in
/// place in the mapped file; others are read with H5Dread when asked for.
public final class KerasCheckpoint: Checkpoint, @unchecked Sendable {
    public let path: String
    public let format: CheckpointFormat
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let modelConfig: JSONValue?
    public let annotations: [String: TensorAnnotation]
    /// A `.keras` archive's `assets/` files (a TextVectorization's vocabulary.txt), by archive path.
    public let assets: [String: [UInt8]]
    /// The files on disk behind the tensors: for a `.keras` archive, the archive itself (its
    /// weights were extracted to an unlinked temporary file).
    public var files: [String] { format == .kerasArchive ? [path] : [file.path] }

    let file: HDF5File
    private let datasets: [String: HDF5DatasetInfo]
    private let index: [String: Int]

    init(
        path: String, file: HDF5File, structure: KerasStructure, format: CheckpointFormat, sideConfig: JSONValue?,
        extraMetadata: [String: String] = [:], preferSideConfig: Bool = false, assets: [String: [UInt8]] = [:]
    ) {
        self.path = path
        self.assets = assets
        self.file = file
        self.format = format
        var tensors: [TensorInfo] = []
        var datasets: [String: HDF5DatasetInfo] = [:]
        var annotations: [String: TensorAnnotation] = [:]
        for e in structure.entries {
            tensors.append(
                TensorInfo(
                    name: e.name, dtype: e.dataset.dtype, shape: e.dataset.shape,
                    byteOffset: e.dataset.contiguousOffset ?? 0, byteCount: e.dataset.byteCount))
            datasets[e.name] = e.dataset
            annotations[e.name] = e.annotation
        }
        self.tensors = tensors
        self.datasets = datasets
        self.annotations = annotations
        var metadata = structure.attributes.merging(extraMetadata) { a, _ in a }
        metadata["keras.layout"] = structure.layout.rawValue
        self.metadata = metadata
        self.modelConfig =
            preferSideConfig ? (sideConfig ?? structure.modelConfig) : (structure.modelConfig ?? sideConfig)
        var index = [String: Int]()
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    public func info(named name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    public func view(_ info: TensorInfo) throws -> TensorView {
        guard let d = datasets[info.name] else { throw TensorNotFound(file: path, tensor: info.name) }
        if let offset = d.contiguousOffset {
            let bytes =
                d.byteCount == 0
                ? UnsafeRawBufferPointer(start: nil, count: 0)
                : UnsafeRawBufferPointer(rebasing: file.bytes[offset..<(offset + d.byteCount)])
            return TensorView(info: info, bytes: bytes, owner: file)
        }
        let owned = try file.readDataset(d)
        return TensorView(
            info: info, bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned.buffer)[0..<d.byteCount]),
            owner: owned)
    }

    /// Whether a tensor is read in place from the file (true) or through H5Dread.
    public func isReadInPlace(_ name: String) -> Bool { datasets[name]?.contiguousOffset != nil }
    public func isStoredInPlace(_ info: TensorInfo) -> Bool { isReadInPlace(info.name) }
}

/// Opens Keras 2 / Keras 3 / Hugging Face HDF5 checkpoints through libhdf5, probed first in a forked child.
public enum KerasReader {
    /// Opens a Keras or Hugging Face HDF5 checkpoint. `includeAll` also lists optimizer and
    /// metric state, which is otherwise skipped. `afterFork`: see `HDF5Probe.check`.
    public static func open(_ path: String, includeAll: Bool = false, afterFork: (() -> Void)? = nil) throws
        -> KerasCheckpoint
    {
        try probe(path: path, displayName: path, includeAll: includeAll, afterFork: afterFork)
        let file = try HDF5File(path: path)
        let structure = try KerasStructureReader.read(file, includeAll: includeAll)
        let format: CheckpointFormat = structure.layout == .keras3 ? .keras3WeightsH5 : .kerasLegacyH5
        return KerasCheckpoint(
            path: path, file: file, structure: structure, format: format,
            sideConfig: try FileSystem.modelConfig(besides: path))
    }

    /// Runs everything an open and a full read do with libhdf5 in a child process first (`HDF5Probe`).
    static func probe(path: String, displayName: String, includeAll: Bool, afterFork: (() -> Void)? = nil) throws {
        // Not HDF5: the normal error follows.
        guard let head = try? MappedFile(path: path), HDF5File.hasSignature(head.bytes) else { return }
        try HDF5Probe.check(displayName, fileSize: head.size, afterFork: afterFork) {
            let file = try HDF5File(path: path, displayName: displayName)
            let structure = try KerasStructureReader.read(file, includeAll: includeAll)
            let c = KerasCheckpoint(
                path: path, file: file, structure: structure, format: .kerasLegacyH5, sideConfig: nil)
            for t in c.tensors where !c.isReadInPlace(t.name) { _ = try? c.view(t) }
        }
    }

    /// Whether the bytes start like an HDF5 file.
    public static func looksLikeHDF5(_ bytes: UnsafeRawBufferPointer) -> Bool { HDF5File.hasSignature(bytes) }
}
