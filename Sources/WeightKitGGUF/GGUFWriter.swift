import WeightKitCheckpoints

/// Writes GGUF version 3, little-endian, as gguf-py's `GGUFWriter` lays it out: the header, the
/// metadata in the order given, the tensor table (dimensions in ggml order, the reverse of the
/// row-major shape; offsets relative to the data, each a multiple of the alignment), zero padding
/// to the alignment, then each tensor's bytes padded to it. Atomic (a temporary file, fsync,
/// rename) and streamed one tensor at a time.
public enum GGUFWriter {
    /// ggml's type for a plain element type WeightKit writes (the inverse of `GGMLType.dtype`).
    static func ggmlType(_ d: DType, file: String, tensor: String) throws -> GGMLType {
        guard let t = GGMLType.allCases.first(where: { $0.dtype == d }) else {
            throw GGUFError.badTensor(file: file, tensor: tensor, detail: "\(d.rawValue) has no ggml type")
        }
        return t
    }

    public static func write(
        _ tensors: [OutputTensor], metadata: [(key: String, value: GGUFFile.Value)], to path: String,
        alignment: Int = 32, progress: ProgressHandler? = nil
    ) throws {
        try TensorDataEmitter.validate(tensors, file: path, reserved: [])
        var head: [UInt8] = Array("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { head += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { head += $0 } }
        func string(_ s: String) {
            u64(UInt64(s.utf8.count))
            head += s.utf8
        }
        func value(_ v: GGUFFile.Value, typed: Bool) {
            switch v {
            case .uint(let x, let t):
                if typed { u32(t) }
                switch t {
                case 0: head.append(UInt8(truncatingIfNeeded: x))
                case 2: withUnsafeBytes(of: UInt16(truncatingIfNeeded: x).littleEndian) { head += $0 }
                case 4: u32(UInt32(truncatingIfNeeded: x))
                default: u64(x)
                }
            case .int(let x, let t):
                if typed { u32(t) }
                switch t {
                case 1: head.append(UInt8(bitPattern: Int8(truncatingIfNeeded: x)))
                case 3: withUnsafeBytes(of: Int16(truncatingIfNeeded: x).littleEndian) { head += $0 }
                case 5: u32(UInt32(bitPattern: Int32(truncatingIfNeeded: x)))
                default: u64(UInt64(bitPattern: x))
                }
            case .float(let x, let t):
                if typed { u32(t) }
                if t == 6 { u32(Float(x).bitPattern) } else { u64(x.bitPattern) }
            case .bool(let b):
                if typed { u32(7) }
                head.append(b ? 1 : 0)
            case .string(let s):
                if typed { u32(8) }
                string(s)
            case .array(let element, let items):
                if typed { u32(9) }
                u32(element)
                u64(UInt64(items.count))
                for i in items { value(i, typed: false) }
            }
        }
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (k, v) in metadata {
            string(k)
            value(v, typed: true)
        }
        var offset = 0
        var padded: [Int] = []
        for t in tensors {
            guard t.name.utf8.count < GGUFFile.maxNameLength else {
                throw GGUFError.badTensor(file: path, tensor: t.name, detail: "names are under 64 bytes in GGUF")
            }
            guard (1...GGUFFile.maxDims).contains(max(1, t.shape.count)) else {
                throw GGUFError.badTensor(file: path, tensor: t.name, detail: "\(t.shape.count) dimensions (1 to 4)")
            }
            string(t.name)
            let dims = t.shape.isEmpty ? [1] : Array(t.shape.reversed())
            u32(UInt32(dims.count))
            for d in dims { u64(UInt64(d)) }
            u32(try ggmlType(t.dtype, file: path, tensor: t.name).rawValue)
            u64(UInt64(offset))
            let n = t.byteCount
            padded.append((n + alignment - 1) / alignment * alignment - n)
            offset += n + padded.last!
        }
        head += [UInt8](repeating: 0, count: (alignment - head.count % alignment) % alignment)
        let writer = try AtomicFileWriter(destination: path, expectedSize: head.count + offset)
        try writer.write(head)
        var done = 0
        for (t, pad) in zip(tensors, padded) {
            _ = try TensorDataEmitter.emit(t, to: writer, crc: false) { n in
                done += n
                progress?(done, offset)
            }
            if pad > 0 { try writer.writeZeros(pad) }
        }
        try writer.commit()
    }
}
