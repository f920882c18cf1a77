/// A checkpoint made of several others (the shards of a sharded checkpoint), under the names an
/// index gives. Views are served by the part that holds the tensor.
public final class CompositeCheckpoint: Checkpoint, @unchecked Sendable {
    /// One tensor of the composite: its name there, the part that holds it, and its info in that part.
    public struct Member: Sendable {
        /// The name in the composite (what the index calls it).
        public var name: String
        public var part: Int
        /// The tensor as its part knows it.
        public var source: TensorInfo
        public var annotation: TensorAnnotation?
        public init(name: String, part: Int, source: TensorInfo, annotation: TensorAnnotation? = nil) {
            self.name = name
            self.part = part
            self.source = source
            self.annotation = annotation
        }
    }

    public let path: String
    public let format: CheckpointFormat
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let modelConfig: JSONValue?
    public let annotations: [String: TensorAnnotation]
    public let parts: [any Checkpoint]
    private let members: [Member]
    private let index: [String: Int]

    public var files: [String] { parts.flatMap(\.files) }

    public init(
        path: String, format: CheckpointFormat, parts: [any Checkpoint], members: [Member],
        metadata: [String: String], modelConfig: JSONValue?
    ) {
        self.path = path
        self.format = format
        self.parts = parts
        self.members = members
        self.metadata = metadata
        self.modelConfig = modelConfig
        // fileIndex counts files across parts in order.
        var firstFile: [Int] = []
        var n = 0
        for p in parts { firstFile.append(n); n += p.files.count }
        tensors = members.map { m in
            var t = m.source
            t.name = m.name
            t.fileIndex = firstFile[m.part] + m.source.fileIndex
            return t
        }
        var index: [String: Int] = [:]
        var annotations: [String: TensorAnnotation] = [:]
        for (i, m) in members.enumerated() {
            index[m.name] = i
            if let a = m.annotation { annotations[m.name] = a }
        }
        self.index = index
        self.annotations = annotations
    }

    public func info(named name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    public func isStoredInPlace(_ info: TensorInfo) -> Bool {
        guard let i = index[info.name] else { return false }
        return parts[members[i].part].isStoredInPlace(members[i].source)
    }

    public func view(_ info: TensorInfo) throws -> TensorView {
        guard let i = index[info.name] else { throw TensorNotFound(file: path, tensor: info.name) }
        let m = members[i]
        let v = try parts[m.part].view(m.source)
        return TensorView(info: tensors[i], bytes: v.bytes, owner: ViewOwner(v))
    }
}

/// Keeps a part's view (and so its storage) alive under a renamed view.
private final class ViewOwner: ViewOwning, @unchecked Sendable {
    let view: TensorView
    init(_ view: TensorView) { self.view = view }
    var underlyingOwner: AnyObject { view.storageOwner }
}
