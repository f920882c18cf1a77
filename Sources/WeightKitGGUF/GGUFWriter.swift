import WeightKitCheckpoints

/// Writes GGUF version 3, little-endian, as gguf-py's `GGUFWriter` lays it out: the header, the
/// metadata in the order given, the tensor table (dimensions in ggml order, the reverse of the
/// row-major shape; offsets relative to the data, each a multiple of the alignment), zero padding
/// to the alignment, then each tensor's bytes padded to it. Atomic (a temporary file, fsync,
/// rename) and streamed one tensor at a time. Tensors named in `q8_0` are encoded as Q8_0 blocks
/// (`GGMLQuantization.quantizeQ8_0`) from their float values, their loss counted into `audit`.
public enum GGUFWriter {
    /// ggml's type for a plain element type WeightKit writes (the inverse of `GGMLType.dtype`).
    static func ggmlType(_ d: DType, file: String, tensor: String) throws -> GGMLType {
        guard let t = GGMLType.allCases.first(where: { $0.dtype == d }) else {
            throw GGUFError.badTensor(file: file, tensor: tensor, detail: "\(d.rawValue) has no ggml type")
        }
        return t
    }

    public static func write(
        _ tensors: [OutputTensor], q8_0: Set<String> = [], metadata: [(key: String, value: GGUFFile.Value)],
        to path: String, alignment: Int = 32, progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws {
        try TensorDataEmitter.validate(tensors, file: path, reserved: [])
        for t in tensors where q8_0.contains(t.name) {
            guard t.sourceInfo.dtype.isFloatingPoint, let last = t.shape.last, last % 32 == 0 else {
                throw GGUFError.badTensor(
                    file: path, tensor: t.name,
                    detail:
                        "Q8_0 takes float rows that are a multiple of 32 long; this is \(t.sourceInfo.dtype.rawValue) \(t.shape)"
                )
            }
        }
        func size(_ t: OutputTensor) -> Int {
            q8_0.contains(t.name) ? t.sourceInfo.elementCount / 32 * 34 : t.byteCount
        }
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
            u32(
                q8_0.contains(t.name)
                    ? GGMLType.q8_0.rawValue : try ggmlType(t.dtype, file: path, tensor: t.name).rawValue)
            u64(UInt64(offset))
            let n = size(t)
            padded.append((n + alignment - 1) / alignment * alignment - n)
            offset += n + padded.last!
        }
        head += [UInt8](repeating: 0, count: (alignment - head.count % alignment) % alignment)
        let writer = try AtomicFileWriter(destination: path, expectedSize: head.count + offset)
        try writer.write(head)
        var done = 0
        for (t, pad) in zip(tensors, padded) {
            let report: (Int) -> Void = { n in
                done += n
                progress?(done, offset)
            }
            if q8_0.contains(t.name) {
                try emitQ8_0(t, to: writer, audit: audit, progress: report)
            } else {
                _ = try TensorDataEmitter.emit(t, to: writer, crc: false, audit: audit, progress: report)
            }
            if pad > 0 { try writer.writeZeros(pad) }
        }
        try audit?.verdict(file: path)
        try writer.commit()
    }

    /// One tensor as Q8_0: its values decoded to f32 a slab of rows at a time, each 32 encoded
    /// as one block.
    static func emitQ8_0(
        _ t: OutputTensor, to writer: AtomicFileWriter, audit: CastAudit?, progress: (Int) -> Void
    ) throws {
        let source = try t.sourceView()
        let count = t.sourceInfo.elementCount
        let elementSize = t.sourceInfo.dtype.byteSize!
        let slab = 32 * 8192
        let values = UnsafeMutablePointer<Float>.allocate(capacity: slab)
        let blocks = UnsafeMutablePointer<UInt8>.allocate(capacity: slab / 32 * 34)
        defer {
            values.deallocate()
            blocks.deallocate()
        }
        var loss = GGMLQuantization.Q8Loss()
        var start = 0
        while start < count {
            let n = min(slab, count - start)
            ElementDecoding.decodeFloat32(
                UnsafeRawBufferPointer(rebasing: source.bytes[(start * elementSize)..<((start + n) * elementSize)]),
                dtype: t.sourceInfo.dtype, into: values, count: n)
            let written = GGMLQuantization.quantizeQ8_0(values, count: n, into: blocks, loss: &loss)
            try writer.write(UnsafeRawBufferPointer(start: blocks, count: written))
            progress(written)
            start += n
        }
        source.releaseResidentPages()
        audit?.record(
            tensor: t.name, from: t.sourceInfo.dtype.rawValue, to: "Q8_0", targetMax: 65504 * 127
        ) {
            $0.elements += count
            $0.overflowed += loss.overflowedBlocks
            $0.flushedToZero += loss.flushedToZero
            $0.subnormal += loss.subnormalScales
            $0.maxAbs = max($0.maxAbs, Double(loss.maxAbs))
        }
    }
}
