import WeightKitCheckpoints

/// What WeightKit reads of a SavedModel besides its `variables/` bundle, from `saved_model.pb`
/// (tensorflow/core/protobuf/saved_model.proto, meta_graph.proto) and Keras' `keras_metadata.pb`,
/// boundedly and without generated protobuf code: the tags and TensorFlow version, the asset file
/// names, how often each op occurs in the graph and its function library (how a preprocessor
/// lower-cases is only there), and every Keras layer's metadata JSON.
public struct SavedModelInfo: Sendable {
    public var directory: String
    public var tags: [String] = []
    public var tensorflowVersion: String?
    /// Asset file names, relative to `assets/` (never followed outside the SavedModel).
    public var assets: [String] = []
    /// Op name → number of nodes (graph and library functions).
    public var opCounts: [String: Int] = [:]
    /// `keras_metadata.pb`: (node path, Keras metadata JSON) per saved Keras object.
    public var kerasObjects: [(path: String, metadata: JSONValue)] = []

    /// A `saved_model.pb` larger than this is refused (TF-Hub BERT graphs are a few MB).
    public static let maxGraphBytes = 256 << 20

    /// A SavedModel's files that cannot be read, in words.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ directory: String) throws -> SavedModelInfo {
        let pb = FileSystem.join(directory, "saved_model.pb")
        guard FileSystem.exists(pb) else {
            throw Problem(description: "\(directory): no saved_model.pb (not a SavedModel)")
        }
        let file = try MappedFile(path: pb)
        guard file.size <= maxGraphBytes else {
            throw Problem(description: "\(pb): \(file.size) bytes, over the \(maxGraphBytes >> 20) MiB limit")
        }
        var info = SavedModelInfo(directory: directory)
        do { try info.readSavedModel(file.bytes) } catch { throw Problem(description: "\(pb): \(error.detail)") }
        let meta = FileSystem.join(directory, "keras_metadata.pb")
        if FileSystem.exists(meta) {
            let m = try MappedFile(path: meta)
            guard m.size <= maxGraphBytes else { throw Problem(description: "\(meta): \(m.size) bytes, too large") }
            do { try info.readKerasMetadata(m.bytes) } catch { throw Problem(description: "\(meta): \(error.detail)") }
        }
        return info
    }

    private mutating func readSavedModel(_ b: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) {
        var r = ProtoReader(b)
        while let f = try r.field() {
            guard f.number == 2, f.wireType == 2 else { try r.skip(wireType: f.wireType); continue }
            var m = ProtoReader(try r.lengthDelimited())  // MetaGraphDef
            while let g = try m.field() {
                switch (g.number, g.wireType) {
                case (1, 2):  // MetaInfoDef { tags = 4; tensorflow_version = 5 }
                    var i = ProtoReader(try m.lengthDelimited())
                    while let h = try i.field() {
                        switch (h.number, h.wireType) {
                        case (4, 2): tags.append(Self.string(try i.lengthDelimited()))
                        case (5, 2): tensorflowVersion = Self.string(try i.lengthDelimited())
                        default: try i.skip(wireType: h.wireType)
                        }
                    }
                case (2, 2): try countOps(graph: try m.lengthDelimited())
                case (6, 2):  // AssetFileDef { filename = 2 }
                    var a = ProtoReader(try m.lengthDelimited())
                    while let h = try a.field() {
                        if h.number == 2, h.wireType == 2 {
                            assets.append(Self.string(try a.lengthDelimited()))
                        } else {
                            try a.skip(wireType: h.wireType)
                        }
                    }
                default: try m.skip(wireType: g.wireType)
                }
            }
        }
    }

    /// GraphDef { node = 1 (NodeDef { op = 2 }); library = 2 (FunctionDefLibrary { function = 1
    /// (FunctionDef { node_def = 3 }) }) }.
    private mutating func countOps(graph: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) {
        var r = ProtoReader(graph)
        while let f = try r.field() {
            switch (f.number, f.wireType) {
            case (1, 2): try countNode(try r.lengthDelimited())
            case (2, 2):
                var lib = ProtoReader(try r.lengthDelimited())
                while let g = try lib.field() {
                    guard g.number == 1, g.wireType == 2 else { try lib.skip(wireType: g.wireType); continue }
                    var fn = ProtoReader(try lib.lengthDelimited())
                    while let h = try fn.field() {
                        if h.number == 3, h.wireType == 2 {
                            try countNode(try fn.lengthDelimited())
                        } else {
                            try fn.skip(wireType: h.wireType)
                        }
                    }
                }
            default: try r.skip(wireType: f.wireType)
            }
        }
    }

    private mutating func countNode(_ node: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) {
        var n = ProtoReader(node)
        while let f = try n.field() {
            if f.number == 2, f.wireType == 2 {
                opCounts[Self.string(try n.lengthDelimited()), default: 0] += 1
            } else {
                try n.skip(wireType: f.wireType)
            }
        }
    }

    /// SavedMetadata { nodes = 1 (SavedObject { node_path = 3; metadata = 5 (JSON) }) }.
    private mutating func readKerasMetadata(_ b: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) {
        var r = ProtoReader(b)
        while let f = try r.field() {
            guard f.number == 1, f.wireType == 2 else { try r.skip(wireType: f.wireType); continue }
            var o = ProtoReader(try r.lengthDelimited())
            var path = "", json: JSONValue?
            while let g = try o.field() {
                switch (g.number, g.wireType) {
                case (3, 2): path = Self.string(try o.lengthDelimited())
                case (5, 2): json = try? JSONParser.parse(try o.lengthDelimited())
                default: try o.skip(wireType: g.wireType)
                }
            }
            if let json { kerasObjects.append((path, json)) }
        }
    }

    private static func string(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }
}
