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
    /// The graph's own (not its functions') string and int64 `Const` nodes, by node name — where a
    /// tf_keras SavedModel keeps a StringLookup's vocabulary (keys and their indices).
    public var stringConstants: [String: [String]] = [:]
    public var int64Constants: [String: [Int64]] = [:]

    /// Strings held as constants, at most this many bytes in all.
    public static let maxConstantBytes = 64 << 20

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
            case (1, 2):
                let node = try r.lengthDelimited()
                try countNode(node)
                try readConstant(node)
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

    /// A top-level `Const` node's value: NodeDef { name = 1; op = 2; attr = 5 (entry { key = 1;
    /// value = 2 (AttrValue { tensor = 8 (TensorProto { dtype = 1; tensor_content = 4;
    /// string_val = 8; int64_val = 10 }) }) }) }.
    private mutating func readConstant(_ node: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) {
        var n = ProtoReader(node)
        var name = "", op = "", tensor: UnsafeRawBufferPointer?
        while let f = try n.field() {
            switch (f.number, f.wireType) {
            case (1, 2): name = Self.string(try n.lengthDelimited())
            case (2, 2): op = Self.string(try n.lengthDelimited())
            case (5, 2):
                var entry = ProtoReader(try n.lengthDelimited())
                var key = "", value: UnsafeRawBufferPointer?
                while let g = try entry.field() {
                    switch (g.number, g.wireType) {
                    case (1, 2): key = Self.string(try entry.lengthDelimited())
                    case (2, 2): value = try entry.lengthDelimited()
                    default: try entry.skip(wireType: g.wireType)
                    }
                }
                if key == "value", let value {
                    var a = ProtoReader(value)
                    while let g = try a.field() {
                        if g.number == 8, g.wireType == 2 {
                            tensor = try a.lengthDelimited()
                        } else {
                            try a.skip(wireType: g.wireType)
                        }
                    }
                }
            default: try n.skip(wireType: f.wireType)
            }
        }
        guard op == "Const", let tensor else { return }
        var t = ProtoReader(tensor)
        var dtype = 0, strings: [String] = [], ints: [Int64] = [], content: UnsafeRawBufferPointer?
        while let f = try t.field() {
            switch (f.number, f.wireType) {
            case (1, 0): dtype = Int(truncatingIfNeeded: try t.varint())
            case (4, 2): content = try t.lengthDelimited()
            case (8, 2):
                let b = try t.lengthDelimited()
                constantBytes += b.count
                guard constantBytes <= Self.maxConstantBytes else {
                    throw ProtoReader.Malformed(detail: "string constants over \(Self.maxConstantBytes >> 20) MiB")
                }
                strings.append(Self.string(b))
            case (10, 2):
                var packed = ProtoReader(try t.lengthDelimited())
                while !packed.atEnd { ints.append(Int64(bitPattern: try packed.varint())) }
            case (10, 0): ints.append(Int64(bitPattern: try t.varint()))
            default: try t.skip(wireType: f.wireType)
            }
        }
        if dtype == 7, !strings.isEmpty { stringConstants[name] = strings }
        if dtype == 9 {
            if let content, ints.isEmpty, content.count % 8 == 0 {
                ints = (0..<(content.count / 8)).map {
                    content.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self).littleEndian
                }
            }
            if !ints.isEmpty { int64Constants[name] = ints }
        }
    }

    private var constantBytes = 0

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
