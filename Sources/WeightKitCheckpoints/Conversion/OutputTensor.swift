/// A tensor on its way into a file: where its bytes come from, and the dtype it should have
/// there (a float source may be re-encoded as F32, F16 or BF16; anything else is copied as is).
/// The source view is made only when the writer reaches the tensor, so a conversion holds one
/// tensor's bytes at a time even when the source has to be read (HDF5 chunked storage).
public struct OutputTensor: Sendable {
    public var name: String
    public var dtype: DType
    /// A [K, N] tensor whose bytes are already in a blocked layout (`.wkc` version 2 only; its
    /// `sourceInfo.byteCount` is the padded size), and for I8 the name of its F32 scale tensor.
    public var layout: BlockedLayout? = nil
    public var scale: String? = nil
    /// The source tensor's metadata.
    public let sourceInfo: TensorInfo
    /// True when the source bytes are a view into a mapped file (cheap to look at twice).
    public let sourceIsMapped: Bool
    private let load: @Sendable () throws -> TensorView

    /// From a view already made.
    public init(name: String, dtype: DType, source: TensorView) {
        self.name = name
        self.dtype = dtype
        self.sourceInfo = source.info
        self.sourceIsMapped = true
        self.producer = nil
        self.load = { source }
    }

    /// The source tensor unchanged.
    public init(_ source: TensorView) { self.init(name: source.name, dtype: source.dtype, source: source) }

    /// A tensor of a checkpoint, viewed when it is written.
    public init(name: String, dtype: DType, checkpoint: any Checkpoint, info: TensorInfo) {
        self.name = name
        self.dtype = dtype
        self.sourceInfo = info
        self.sourceIsMapped = checkpoint.isStoredInPlace(info)
        self.producer = nil
        self.load = { try checkpoint.view(info) }
    }

    /// A tensor produced when it is written (a transposed or relabelled copy of a source):
    /// `info` describes what `load` will return.
    public init(
        name: String, dtype: DType, info: TensorInfo, inPlace: Bool, load: @escaping @Sendable () throws -> TensorView
    ) {
        self.name = name
        self.dtype = dtype
        self.sourceInfo = info
        self.sourceIsMapped = inPlace
        self.producer = nil
        self.load = load
    }

    /// Hands consecutive pieces of the tensor's bytes to a sink (see `init(name:dtype:info:pieces:)`).
    public typealias Producer = @Sendable (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    /// Set for tensors produced piece by piece; the writer then never holds the whole tensor.
    public let producer: Producer?

    /// A tensor produced piece by piece as it is written (a transposed copy of a source, made a
    /// column block at a time): `info` describes the whole; `pieces` hands its bytes to the sink
    /// in order, each piece a whole number of elements, reusing one small buffer.
    public init(name: String, dtype: DType, info: TensorInfo, pieces: @escaping Producer) {
        self.name = name
        self.dtype = dtype
        self.sourceInfo = info
        self.sourceIsMapped = false
        self.producer = pieces
        self.load = {
            let owned = OwnedBytes(count: info.byteCount)
            var filled = 0
            try pieces { piece in
                precondition(
                    filled + piece.count <= info.byteCount,
                    "\(info.name): the producer gave more bytes than the tensor holds")
                UnsafeMutableRawBufferPointer(rebasing: owned.buffer[filled..<(filled + piece.count)]).copyMemory(
                    from: piece)
                filled += piece.count
            }
            precondition(
                filled == info.byteCount, "\(info.name): the producer gave \(filled) of \(info.byteCount) bytes")
            return TensorView(
                info: info,
                bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned.buffer)[0..<info.byteCount]),
                owner: owned)
        }
    }

    /// The whole source tensor (for a produced one, its pieces gathered into one buffer).
    public func sourceView() throws -> TensorView { try load() }

    public var shape: [Int] { sourceInfo.shape }
    public var byteCount: Int {
        dtype == sourceInfo.dtype ? sourceInfo.byteCount : dtype.byteCount(elements: sourceInfo.elementCount) ?? 0
    }
    public var needsConversion: Bool { dtype != sourceInfo.dtype }
}

/// What a writer refuses.
public enum CheckpointWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    case reservedTensorName(file: String, tensor: String)
    case duplicateTensorName(file: String, tensor: String)
    case unsupportedConversion(file: String, tensor: String, from: DType, to: DType)
    case emptyTensorName(file: String)

    public var description: String {
        switch self {
        case let .reservedTensorName(f, t): return "\(f): cannot write a tensor named '\(t)': the name is reserved"
        case let .duplicateTensorName(f, t): return "\(f): cannot write tensor '\(t)' twice"
        case let .unsupportedConversion(f, t, from, to):
            return "\(f): tensor '\(t)': cannot convert \(from.rawValue) to \(to.rawValue)"
        case let .emptyTensorName(f): return "\(f): cannot write a tensor with an empty name"
        }
    }
}

/// Reports progress in bytes written so far, out of a total.
public typealias ProgressHandler = @Sendable (_ done: Int, _ total: Int) -> Void

/// Writes tensors' bytes into a file being written, re-encoding floats on the way: what every
/// writer (safetensors, `.wkc`, GGUF) uses.
public enum TensorDataEmitter {
    static let chunk = 1 << 20
    /// How much of a mapped source is read before its pages are dropped from the resident set.
    static let releaseStep = 8 << 20

    /// Checks names and conversions before anything is written.
    public static func validate(_ tensors: [OutputTensor], file: String, reserved: Set<String>) throws {
        var seen = Set<String>()
        for t in tensors {
            if t.name.isEmpty { throw CheckpointWriteError.emptyTensorName(file: file) }
            if reserved.contains(t.name) { throw CheckpointWriteError.reservedTensorName(file: file, tensor: t.name) }
            if !seen.insert(t.name).inserted {
                throw CheckpointWriteError.duplicateTensorName(file: file, tensor: t.name)
            }
            if t.needsConversion {
                let floats: Set<DType> = [.f32, .f16, .bf16, .f64]
                guard floats.contains(t.sourceInfo.dtype), [.f32, .f16, .bf16].contains(t.dtype) else {
                    throw CheckpointWriteError.unsupportedConversion(
                        file: file, tensor: t.name, from: t.sourceInfo.dtype, to: t.dtype)
                }
            }
        }
    }

    /// Writes one tensor's bytes, converting if needed, and returns the CRC-32 of what was
    /// written (0 unless `crc`) — or nil when the bytes were copied inside the kernel and never
    /// passed through this process (the caller checksums the source if it needs to). A narrowing
    /// cast is counted into `audit` as it is made.
    public static func emit(
        _ t: OutputTensor, to writer: AtomicFileWriter, crc: Bool, audit: CastAudit? = nil,
        progress: (Int) -> Void
    ) throws -> UInt32? {
        var c: UInt32 = 0
        let inSize = t.sourceInfo.dtype.byteSize ?? 1
        let outSize = t.dtype.byteSize ?? 1
        var converted: UnsafeMutableRawBufferPointer?
        defer { converted?.deallocate() }
        let audited = CastAudit.isNarrowing(t.sourceInfo.dtype, t.dtype) ? audit : nil
        // One piece of source bytes (whole elements) to the file, re-encoded if the dtype changes.
        func put(_ piece: UnsafeRawBufferPointer) throws {
            guard t.needsConversion else {
                try writer.write(piece)
                if crc { c = CRC32.checksum(piece, initial: c, parallel: false) }
                progress(piece.count)
                return
            }
            let perChunk = chunk / 4
            if converted == nil { converted = .allocate(byteCount: perChunk * outSize, alignment: 64) }
            let count = piece.count / inSize
            var start = 0
            while start < count {
                let n = min(perChunk, count - start)
                let src = UnsafeRawBufferPointer(rebasing: piece[(start * inSize)..<((start + n) * inSize)])
                ElementDecoding.convert(
                    src, from: t.sourceInfo.dtype, to: t.dtype, into: converted!.baseAddress!, count: n)
                if let audited, let s = src.baseAddress {
                    audited.count(
                        tensor: t.name, s, from: t.sourceInfo.dtype, converted!.baseAddress!, to: t.dtype, count: n)
                }
                let out = UnsafeRawBufferPointer(rebasing: converted![0..<(n * outSize)])
                try writer.write(out)
                if crc { c = CRC32.checksum(out, initial: c, parallel: false) }
                progress(n * outSize)
                start += n
            }
        }
        if let producer = t.producer {
            try producer(put)
            return c
        }
        let source = try t.sourceView()
        let bytes = source.bytes
        // Unchanged bytes of a mapped file: copied inside the kernel, no user-space pass.
        if !t.needsConversion, let range = source.mappedFileRange, bytes.count >= 1 << 20,
            try writer.appendCopy(of: range.path, offset: range.offset, count: bytes.count)
        {
            progress(bytes.count)
            source.releaseResidentPages()
            return nil
        }
        var off = 0, released = 0
        while off < bytes.count {
            let n = min(chunk, bytes.count - off)  // a multiple of every element size
            try put(UnsafeRawBufferPointer(rebasing: bytes[off..<(off + n)]))
            off += n
            // A large tensor (a 94 MB word embedding) gives its pages back as it goes.
            if off - released >= releaseStep {
                source.releaseResidentPages(byteRange: released..<off)
                released = off
            }
        }
        source.releaseResidentPages()
        return c
    }
}
