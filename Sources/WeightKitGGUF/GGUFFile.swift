import WeightKitCheckpoints

/// A GGUF file (ggml's `docs/gguf.md`, versions 2 and 3, little-endian) parsed and validated the
/// way ggml's `gguf_init_from_file_impl` does, and more: every count, string and array length is
/// checked against the bytes that remain before anything is allocated; keys and tensor names
/// unique; `general.alignment` a power of two; each tensor's offset the running sum of the padded
/// sizes before it (contiguous, no gap or overlap) and inside the file.
public struct GGUFFile: Sendable {
    /// A metadata value, as typed in the file.
    public indirect enum Value: Sendable, Equatable {
        case uint(UInt64, type: UInt32)
        case int(Int64, type: UInt32)
        case float(Double, type: UInt32)
        case bool(Bool)
        case string(String)
        case array(element: UInt32, [Value])

        /// The value type's name, as gguf-py prints it.
        public var typeName: String {
            switch self {
            case .uint(_, let t), .int(_, let t), .float(_, let t): return GGUFFile.valueTypeNames[Int(t)]
            case .bool: return "BOOL"
            case .string: return "STRING"
            case .array: return "ARRAY"
            }
        }

        /// Short text: arrays summarised as their element type and count (strings cut at 60 characters).
        public var summary: String { text(full: false) }

        /// Text: with `full`, every array element and whole strings; otherwise `summary`.
        public func text(full: Bool) -> String {
            switch self {
            case .uint(let v, _): return String(v)
            case .int(let v, _): return String(v)
            case .float(let v, let t): return t == 6 ? String(Float(v)) : String(v)
            case .bool(let b): return String(b)
            case .string(let s): return !full && s.count > 60 ? String(s.prefix(60)) + "…" : s
            case .array(let e, let items):
                let shown = full ? items[...] : items.prefix(6)
                let head = shown.map { $0.text(full: full) }.joined(separator: ", ")
                return
                    "[\(GGUFFile.valueTypeNames[Int(e)]) × \(items.count)] [\(head)\(shown.count < items.count ? ", …" : "")]"
            }
        }

        public var intValue: Int? {
            switch self {
            case .uint(let v, _): return v <= UInt64(Int.max) ? Int(v) : nil
            case .int(let v, _): return Int(v)
            default: return nil
            }
        }
        public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
        public var doubleValue: Double? {
            switch self {
            case .float(let v, _): return v
            default: return intValue.map(Double.init)
            }
        }
    }

    /// One tensor: its name, ggml dimensions (ne[0] fastest), ggml type and byte range.
    public struct Tensor: Sendable {
        public var name: String
        /// ggml order: the reverse of the row-major shape.
        public var dims: [Int]
        public var type: GGMLType
        /// Absolute offset in the file, and size in bytes.
        public var offset: Int, size: Int
        public var shape: [Int] { dims.reversed() }
    }

    public var version: UInt32
    public var metadata: [(key: String, value: Value)]
    public var tensors: [Tensor]
    public var alignment: Int
    /// Where the tensor data starts.
    public var dataOffset: Int

    public func value(_ key: String) -> Value? { metadata.first { $0.key == key }?.value }

    static let valueTypeNames = [
        "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY", "UINT64", "INT64",
        "FLOAT64",
    ]

    /// Bounds on what a header may claim before WeightKit believes it.
    static let maxTensors = 1 << 20, maxKeys = 1 << 20, maxDims = 4, maxNameLength = 64
    static let maxArrayNesting = 4

    /// Parses and validates; throws the first problem found (the structure cannot be read past it).
    public static func parse(_ b: UnsafeRawBufferPointer, file: String) throws -> GGUFFile {
        var r = Cursor(bytes: b, file: file)
        guard b.count >= 4 else { throw GGUFError.truncated(file: file, what: "the magic", at: 0) }
        // The magic is the bytes "GGUF" in either byte order; a big-endian file has a byte-swapped version.
        guard Array(b.prefix(4)) == Array("GGUF".utf8) else { throw GGUFError.badMagic(file: file) }
        _ = try r.u32("the magic")
        let version = try r.u32("the version")
        if version.byteSwapped == 2 || version.byteSwapped == 3 { throw GGUFError.bigEndian(file: file) }
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(file: file, version: version) }
        let tensorCount = try r.u64("the tensor count"), keyCount = try r.u64("the metadata count")
        guard tensorCount <= UInt64(maxTensors), keyCount <= UInt64(maxKeys) else {
            throw GGUFError.hostileCount(file: file, tensors: tensorCount, keys: keyCount)
        }
        var metadata: [(key: String, value: Value)] = []
        var keys = Set<String>()
        for _ in 0..<Int(keyCount) {
            let key = try r.string("a metadata key")
            guard !key.isEmpty else { throw GGUFError.badKey(file: file, key: key, detail: "empty key") }
            guard keys.insert(key).inserted else {
                throw GGUFError.badKey(file: file, key: key, detail: "duplicate key")
            }
            let type = try r.u32("the type of '\(key)'")
            metadata.append((key, try r.value(type: type, key: key, depth: 0)))
        }
        var alignment = 32
        if let a = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard case .uint(let v, let t) = a, t == 4, v > 0, v & (v - 1) == 0, v <= 1 << 20 else {
                throw GGUFError.badKey(
                    file: file, key: "general.alignment", detail: "must be a UINT32 power of two, is \(a.summary)")
            }
            alignment = Int(v)
        }
        var infos: [(name: String, dims: [Int], type: UInt32, offset: UInt64)] = []
        var names = Set<String>()
        for _ in 0..<Int(tensorCount) {
            let name = try r.string("a tensor name")
            guard name.utf8.count < maxNameLength else {
                throw GGUFError.badTensor(file: file, tensor: name, detail: "name of \(name.utf8.count) bytes (< 64)")
            }
            guard names.insert(name).inserted else {
                throw GGUFError.badTensor(file: file, tensor: name, detail: "duplicate tensor name")
            }
            let n = try r.u32("the dimensions of '\(name)'")
            guard n >= 1, n <= UInt32(maxDims) else {
                throw GGUFError.badTensor(file: file, tensor: name, detail: "\(n) dimensions (1 to 4)")
            }
            var dims: [Int] = []
            for _ in 0..<Int(n) {
                let d = try r.u64("a dimension of '\(name)'")
                guard d <= UInt64(Int64.max) else {
                    throw GGUFError.badTensor(file: file, tensor: name, detail: "dimension \(d)")
                }
                dims.append(Int(d))
            }
            let type = try r.u32("the type of '\(name)'")
            infos.append((name, dims, type, try r.u64("the offset of '\(name)'")))
        }
        let dataOffset = (r.position + alignment - 1) / alignment * alignment
        var tensors: [Tensor] = []
        var expected = 0
        for i in infos {
            guard let type = GGMLType(rawValue: i.type) else {
                throw GGUFError.badTensor(
                    file: file, tensor: i.name, detail: "ggml type \(i.type) is not one ggml defines")
            }
            guard let elements = elementCount(of: i.dims), elements <= Int(Int64.max) else {
                throw GGUFError.badTensor(file: file, tensor: i.name, detail: "element count overflows")
            }
            guard i.dims[0] % type.blockSize == 0 else {
                throw GGUFError.badTensor(
                    file: file, tensor: i.name,
                    detail: "ne[0] = \(i.dims[0]) is not a multiple of \(type.name)'s block of \(type.blockSize)")
            }
            let (size, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
            guard !overflow else {
                throw GGUFError.badTensor(file: file, tensor: i.name, detail: "byte size overflows")
            }
            guard i.offset == UInt64(expected) else {
                throw GGUFError.badTensor(
                    file: file, tensor: i.name,
                    detail:
                        "offset \(i.offset), expected \(expected) (tensors are laid out in order, each padded to \(alignment))"
                )
            }
            guard dataOffset <= b.count, expected <= b.count - dataOffset, size <= b.count - dataOffset - expected
            else {
                throw GGUFError.pastEnd(file: file, tensor: i.name, end: dataOffset + expected + size, size: b.count)
            }
            tensors.append(Tensor(name: i.name, dims: i.dims, type: type, offset: dataOffset + expected, size: size))
            expected += (size + alignment - 1) / alignment * alignment
        }
        return GGUFFile(
            version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    /// A bounded reader of the header.
    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        let file: String
        var position = 0

        init(bytes: UnsafeRawBufferPointer, file: String) {
            self.bytes = bytes
            self.file = file
            position = 0
        }

        mutating func take(_ n: Int, _ what: String) throws -> Int {
            guard n >= 0, n <= bytes.count - position else {
                throw GGUFError.truncated(file: file, what: what, at: position)
            }
            defer { position += n }
            return position
        }
        mutating func u8(_ what: String) throws -> UInt8 { bytes[try take(1, what)] }
        mutating func u32(_ what: String) throws -> UInt32 {
            bytes.loadUnaligned(fromByteOffset: try take(4, what), as: UInt32.self).littleEndian
        }
        mutating func u64(_ what: String) throws -> UInt64 {
            bytes.loadUnaligned(fromByteOffset: try take(8, what), as: UInt64.self).littleEndian
        }
        mutating func string(_ what: String) throws -> String {
            let n = try u64("the length of \(what)")
            guard n <= UInt64(bytes.count - position) else {
                throw GGUFError.truncated(file: file, what: "\(what) of \(n) bytes", at: position)
            }
            let at = try take(Int(n), what)
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + Int(n))]), as: UTF8.self)
        }

        mutating func value(type: UInt32, key: String, depth: Int) throws -> Value {
            let what = "the value of '\(key)'"
            switch type {
            case 0: return .uint(UInt64(try u8(what)), type: 0)
            case 1: return .int(Int64(Int8(bitPattern: try u8(what))), type: 1)
            case 2:
                return .uint(
                    UInt64(bytes.loadUnaligned(fromByteOffset: try take(2, what), as: UInt16.self).littleEndian),
                    type: 2)
            case 3:
                return .int(
                    Int64(
                        Int16(
                            bitPattern: bytes.loadUnaligned(fromByteOffset: try take(2, what), as: UInt16.self)
                                .littleEndian)), type: 3)
            case 4: return .uint(UInt64(try u32(what)), type: 4)
            case 5: return .int(Int64(Int32(bitPattern: try u32(what))), type: 5)
            case 6: return .float(Double(Float(bitPattern: try u32(what))), type: 6)
            case 7:
                let b = try u8(what)
                guard b <= 1 else { throw GGUFError.badKey(file: file, key: key, detail: "BOOL value \(b) (0 or 1)") }
                return .bool(b == 1)
            case 8: return .string(try string(what))
            case 9:
                guard depth < GGUFFile.maxArrayNesting else {
                    throw GGUFError.badKey(
                        file: file, key: key, detail: "arrays nested deeper than \(GGUFFile.maxArrayNesting)")
                }
                let element = try u32("the element type of '\(key)'")
                let count = try u64("the length of '\(key)'")
                // Each element takes at least its smallest encoding (a string its length, an array
                // its type and count): a count the bytes left cannot hold is a lie, refused before
                // anything is allocated.
                guard element <= 12 else {
                    throw GGUFError.badKey(
                        file: file, key: key, detail: "array element type \(element) is not one GGUF defines")
                }
                let smallest: UInt64 = [1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8][Int(element)]
                let left = UInt64(bytes.count - position)
                guard count <= left / smallest else {
                    throw GGUFError.badKey(
                        file: file, key: key, detail: "an array of \(count) elements in the \(left) bytes left")
                }
                var items: [Value] = []
                items.reserveCapacity(Int(min(count, 4096)))
                for _ in 0..<Int(count) { items.append(try value(type: element, key: key, depth: depth + 1)) }
                return .array(element: element, items)
            case 10: return .uint(try u64(what), type: 10)
            case 11: return .int(Int64(bitPattern: try u64(what)), type: 11)
            case 12: return .float(Double(bitPattern: try u64(what)), type: 12)
            default: throw GGUFError.badKey(file: file, key: key, detail: "value type \(type) is not one GGUF defines")
            }
        }
    }
}
