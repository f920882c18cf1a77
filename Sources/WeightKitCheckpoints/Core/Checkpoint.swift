/// Where a tensor sits in the source model, when the format says so (Keras layer name, the
/// weight's role such as kernel / bias / gamma, its position in the layer's weight order).
public struct TensorAnnotation: Sendable, Equatable {
    public var layer: String
    public var role: String?
    public var position: Int?
    public init(layer: String, role: String?, position: Int?) {
        self.layer = layer
        self.role = role
        self.position = position
    }
}

/// What every checkpoint reader offers: an ordered tensor list, lookup by name, string metadata,
/// and the model config when the checkpoint carries or sits beside one.
public protocol Checkpoint: AnyObject, Sendable {
    /// The path the user opened (a file, an index file or a directory).
    var path: String { get }
    var format: CheckpointFormat { get }
    /// Tensors in file order.
    var tensors: [TensorInfo] { get }
    /// Files holding tensor bytes; `TensorInfo.fileIndex` indexes this list.
    var files: [String] { get }
    var metadata: [String: String] { get }
    /// A model configuration object (Hugging Face config.json, a `.wkc` model section...), if any.
    var modelConfig: JSONValue? { get }

    /// Per-tensor placement in the source model (empty when the format has none).
    var annotations: [String: TensorAnnotation] { get }

    func info(named name: String) -> TensorInfo?
    /// Whether `view` returns bytes in place (a mapped file) rather than a copy it has to read.
    func isStoredInPlace(_ info: TensorInfo) -> Bool
    /// A borrowed view of one tensor's bytes.
    func view(_ info: TensorInfo) throws -> TensorView

    /// How a tensor is stored when that differs from the dtype it is read as (a GGUF
    /// block-quantised tensor, decoded to F32 when viewed); nil otherwise.
    func storedEncoding(_ info: TensorInfo) -> StoredEncoding?

    /// The tensor as stored, for a graph that reads that encoding directly (a `.wkc`'s blocked
    /// bf16 / int8 weights); nil for tensors stored plain.
    func packedTensor(_ info: TensorInfo) -> PackedTensor?
}

/// A storage encoding that is not a plain dtype: its name (ggml's `Q8_0`, `Q4_K`, …), its size
/// in the file, and whether WeightKit can decode it.
public struct StoredEncoding: Sendable, Equatable {
    public var name: String
    public var bytes: Int
    public var decodable: Bool
    public init(name: String, bytes: Int, decodable: Bool) {
        (self.name, self.bytes, self.decodable) = (name, bytes, decodable)
    }
}

extension Checkpoint {
    public var annotations: [String: TensorAnnotation] { [:] }
    public func isStoredInPlace(_ info: TensorInfo) -> Bool { true }
    public func storedEncoding(_ info: TensorInfo) -> StoredEncoding? { nil }
    public func packedTensor(_ info: TensorInfo) -> PackedTensor? { nil }

    public func tensor(named name: String) throws -> TensorView {
        guard let info = info(named: name) else { throw TensorNotFound(file: path, tensor: name) }
        return try view(info)
    }

    public var totalParameters: Int { tensors.reduce(0) { $0 + $1.elementCount } }
    public var totalBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }
}

/// A lookup of a tensor name the checkpoint does not hold.
public struct TensorNotFound: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var tensor: String
    public init(file: String, tensor: String) { self.file = file; self.tensor = tensor }
    public var description: String { "\(file): no tensor named '\(tensor)'" }
}

/// A checkpoint whose tensors are byte ranges of memory-mapped files (safetensors, sharded
/// safetensors, `.wkc`). Validation happens in the format readers before one is built.
public final class MappedCheckpoint: Checkpoint, @unchecked Sendable {
    public let path: String
    public let format: CheckpointFormat
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let modelConfig: JSONValue?
    public let mappedFiles: [MappedFile]
    private let index: [String: Int]

    public var files: [String] { mappedFiles.map(\.path) }

    public init(
        path: String, format: CheckpointFormat, files: [MappedFile], tensors: [TensorInfo],
        metadata: [String: String], modelConfig: JSONValue?
    ) {
        self.path = path
        self.format = format
        self.mappedFiles = files
        self.tensors = tensors
        self.metadata = metadata
        self.modelConfig = modelConfig
        var index = [String: Int](minimumCapacity: tensors.count)
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    public func info(named name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    public func view(_ info: TensorInfo) throws -> TensorView {
        let file = mappedFiles[info.fileIndex]
        return TensorView(info: info, bytes: file.bytes(at: info.byteOffset, count: info.byteCount), owner: file)
    }
}
