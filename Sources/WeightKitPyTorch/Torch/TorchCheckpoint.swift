import WeightKitCheckpoints

/// A `torch.save` checkpoint opened in place: every contiguous tensor is a view into the mapped
/// file (torch stores records uncompressed and 64-byte aligned); a strided tensor (a transpose,
/// a slice, an expanded view) is laid out row-major in a copy when it is read.
public final class TorchCheckpoint: Checkpoint, @unchecked Sendable {
    /// How one tensor sits in its storage.
    struct Layout: Sendable {
        var storage: StoredZip.Entry
        /// Element offset into the storage, and strides in elements; `nil` strides = contiguous.
        var offset: Int
        var strides: [Int]?
    }

    public let path: String
    public let format: CheckpointFormat = .pytorch
    public let tensors: [TensorInfo]
    public let metadata: [String: String]
    public let modelConfig: JSONValue?
    let file: MappedFile
    let zip: StoredZip
    private let layouts: [Layout]
    private let index: [String: Int]

    public var files: [String] { [file.path] }

    init(
        path: String, file: MappedFile, zip: StoredZip, tensors: [TensorInfo], layouts: [Layout],
        metadata: [String: String], modelConfig: JSONValue?
    ) {
        self.path = path
        self.file = file
        self.zip = zip
        self.tensors = tensors
        self.layouts = layouts
        self.metadata = metadata
        self.modelConfig = modelConfig
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    public func info(named name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    public func isStoredInPlace(_ info: TensorInfo) -> Bool {
        guard let i = index[info.name] else { return false }
        return layouts[i].strides == nil && layouts[i].storage.method == 0
    }

    public func view(_ info: TensorInfo) throws -> TensorView {
        guard let i = index[info.name] else { throw TensorNotFound(file: path, tensor: info.name) }
        let t = tensors[i], layout = layouts[i]
        let element = t.dtype.bitSize / 8
        if layout.strides == nil, layout.storage.method == 0 {
            return TensorView(info: t, bytes: file.bytes(at: t.byteOffset, count: t.byteCount), owner: file)
        }
        let (storage, storageOwner) = try zip.contents(of: layout.storage, in: file.bytes)
        guard let strides = layout.strides else {  // contiguous in a deflated record
            let start = t.elementCount == 0 ? 0 : layout.offset * element
            return TensorView(
                info: t, bytes: UnsafeRawBufferPointer(rebasing: storage[start..<(start + t.byteCount)]),
                owner: storageOwner ?? file)
        }
        // Materialise: bounded so an expanded view (stride 0) cannot ask for unbounded memory.
        let limit = 2 * file.size + (256 << 20)
        guard t.byteCount <= limit else {
            throw TorchFormatError.badTensor(
                file: path, tensor: t.name,
                detail:
                    "a strided view of \(t.byteCount) bytes is larger than WeightKit will materialise (\(limit) bytes)")
        }
        let out = OwnedBytes(count: t.byteCount)
        withExtendedLifetime(storageOwner) {
            Self.gather(
                from: storage, offset: layout.offset, shape: t.shape, strides: strides, elementSize: element,
                into: out.buffer)
        }
        return TensorView(info: t, bytes: UnsafeRawBufferPointer(rebasing: out.buffer[0..<t.byteCount]), owner: out)
    }

    /// Copies the strided elements row-major into `out` (checked in range when the file opened).
    static func gather(
        from src: UnsafeRawBufferPointer, offset: Int, shape: [Int], strides: [Int], elementSize e: Int,
        into out: UnsafeMutableRawBufferPointer
    ) {
        let count = elementCount(of: shape) ?? 0
        guard count > 0, let s = src.baseAddress, let d = out.baseAddress else { return }
        if shape.isEmpty { d.copyMemory(from: s + offset * e, byteCount: e); return }
        let rank = shape.count
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var base = offset
        var o = 0
        let rows = count / inner
        for _ in 0..<rows {
            if innerStride == 1 {
                (d + o).copyMemory(from: s + base * e, byteCount: inner * e)
                o += inner * e
            } else {
                var at = base
                for _ in 0..<inner { (d + o).copyMemory(from: s + at * e, byteCount: e); o += e; at += innerStride }
            }
            // Advance the outer index (odometer), keeping `base` the element offset of the row.
            var k = rank - 2
            while k >= 0 {
                index[k] += 1
                base += strides[k]
                if index[k] < shape[k] { break }
                base -= strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
    }

    /// Every record's CRC-32 against the central directory (what `weightkit check` does).
    public func verifyRecords() -> [String] {
        var problems: [String] = []
        for entry in zip.entries {
            do {
                let (data, owner) = try zip.contents(of: entry, in: file.bytes)
                if owner != nil { continue }  // a deflated record: inflating it checked its CRC-32 already
                let crc = CRC32.checksum(data)
                if crc != entry.crc32 {
                    problems.append(
                        "\(path): record '\(entry.name)': CRC-32 \(Hex.padded(crc)) does not match the directory's \(Hex.padded(entry.crc32))"
                    )
                }
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }

    public var recordCount: Int { zip.entries.count }
}
