import Dispatch

/// An opened `.wkc` file: a checkpoint plus the model section, provenance and checksums.
///
/// A tensor in a blocked layout (version 2: packed bf16 / int8 weights) is listed as the plain
/// row-major [K, N] it decodes to — BF16 as BF16, I8 with its scales as the F32 values q · scale
/// (its scale tensor is part of its encoding and not listed) — decoded into a heap copy when
/// viewed; `packedTensor` hands a graph the stored bytes in place.
public final class WKCCheckpoint: Checkpoint, @unchecked Sendable {
    public let header: WKCHeader
    private let mapped: MappedCheckpoint
    /// The blocked tensors by name: their header entry, and their scales' entry.
    private let blocked: [String: (entry: WKCHeader.Entry, scale: WKCHeader.Entry?)]

    init(path: String, file: MappedFile, header: WKCHeader) {
        self.header = header
        let byName = Dictionary(header.entries.map { ($0.info.name, $0) }, uniquingKeysWith: { a, _ in a })
        var blocked: [String: (entry: WKCHeader.Entry, scale: WKCHeader.Entry?)] = [:]
        let scales = Set(header.entries.compactMap(\.scale))
        var listed: [TensorInfo] = []
        for e in header.entries where !scales.contains(e.info.name) {
            guard e.layout != nil else { listed.append(e.info); continue }
            blocked[e.info.name] = (e, e.scale.flatMap { byName[$0] })
            var plain = e.info
            plain.dtype = e.scale == nil ? e.info.dtype : .f32
            plain.byteCount = e.info.elementCount * plain.dtype.bitSize / 8
            listed.append(plain)
        }
        self.blocked = blocked
        self.mapped = MappedCheckpoint(
            path: path, format: .wkc, files: [file], tensors: listed, metadata: header.metadata,
            modelConfig: header.model?.config)
    }

    public var path: String { mapped.path }
    public var format: CheckpointFormat { .wkc }
    public var tensors: [TensorInfo] { mapped.tensors }
    public var files: [String] { mapped.files }
    public var metadata: [String: String] { mapped.metadata }
    public var modelConfig: JSONValue? { mapped.modelConfig }
    public var model: WKCModelSection? { header.model }
    public var provenance: JSONValue? { header.provenance }
    public func info(named name: String) -> TensorInfo? { mapped.info(named: name) }
    public func isStoredInPlace(_ info: TensorInfo) -> Bool { blocked[info.name] == nil }

    public func storedEncoding(_ info: TensorInfo) -> StoredEncoding? {
        blocked[info.name].map { b in
            StoredEncoding(
                name: "\(b.entry.info.dtype.rawValue) \(b.entry.layout!)" + (b.scale == nil ? "" : " + F32 scales"),
                bytes: b.entry.info.byteCount + (b.scale?.info.byteCount ?? 0), decodable: true)
        }
    }

    public func packedTensor(_ info: TensorInfo) -> PackedTensor? {
        guard let b = blocked[info.name] else { return nil }
        let file = mapped.mappedFiles[0]
        let scales = b.scale.map {
            UnsafeBufferPointer(
                start: file.bytes(at: $0.info.byteOffset, count: $0.info.byteCount).baseAddress!
                    .assumingMemoryBound(to: Float.self), count: $0.info.shape[0])
        }
        return PackedTensor(
            name: info.name, dtype: b.entry.info.dtype, shape: b.entry.info.shape, layout: b.entry.layout!,
            bytes: file.bytes(at: b.entry.info.byteOffset, count: b.entry.info.byteCount), scales: scales,
            owner: file)
    }

    public func view(_ info: TensorInfo) throws -> TensorView {
        guard let packed = packedTensor(info) else { return try mapped.view(info) }
        let (k, n) = (packed.shape[0], packed.shape[1])
        let owned = OwnedBytes(count: info.byteCount)
        let out = UnsafeMutableRawBufferPointer(owned.buffer)
        if let scales = packed.scales {
            // q · scale per column, from the blocked s8 values.
            let q = packed.bytes.baseAddress!.assumingMemoryBound(to: Int8.self)
            let f = out.baseAddress!.assumingMemoryBound(to: Float.self)
            for r in 0..<k {
                for c in 0..<n { f[r * n + c] = Float(q[packed.layout.index(row: r, col: c, rows: k)]) * scales[c] }
            }
        } else {
            packed.layout.unpack(packed.bytes, rows: k, cols: n, elementSize: packed.dtype.bitSize / 8, into: out)
        }
        return TensorView(info: info, bytes: UnsafeRawBufferPointer(rebasing: out[0..<info.byteCount]), owner: owned)
    }

    /// Recomputes every tensor's CRC-32 (over all cores) and checks that all padding is zero.
    /// Returns every problem found; empty means the file is intact.
    public func verifyData(progress: ProgressHandler? = nil) -> [WKCError] {
        let file = mapped.mappedFiles[0]
        let entries = header.entries
        let total = max(1, header.dataSize)
        var problems: [WKCError] = []
        // Padding between the header and the data, and between tensors.
        var gapStart = WKCFormat.prefixSize + header.headerLength
        var after = "the header"
        let bytes = file.bytes
        for e in entries {
            for o in gapStart..<e.info.byteOffset where bytes[o] != 0 {
                problems.append(.nonZeroPadding(file: path, offset: o, after: after)); break
            }
            gapStart = e.info.byteOffset + e.info.byteCount
            after = "tensor '\(e.info.name)'"
        }
        // Tensor checksums: big tensors are split over the cores inside CRC32.checksum; small ones
        // are spread over the cores here.
        let results = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: entries.count)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        let small = entries.indices.filter { entries[$0].info.byteCount < (16 << 20) }
        let large = entries.indices.filter { entries[$0].info.byteCount >= (16 << 20) }
        DispatchQueue.concurrentPerform(iterations: small.count) { k in
            let i = small[k]
            out[i] = CRC32.checksum(
                file.bytes(at: entries[i].info.byteOffset, count: entries[i].info.byteCount), parallel: false)
        }
        var done = small.reduce(0) { $0 + entries[$1].info.byteCount }
        progress?(done, total)
        for i in large {
            let e = entries[i].info
            file.adviseSequential(offset: e.byteOffset, count: e.byteCount)
            out[i] = CRC32.checksum(file.bytes(at: e.byteOffset, count: e.byteCount))
            done += e.byteCount
            progress?(done, total)
        }
        for (i, e) in entries.enumerated() where out[i] != e.crc32 {
            problems.append(.dataChecksumMismatch(file: path, tensor: e.info.name, stored: e.crc32, computed: out[i]))
        }
        return problems
    }
}

/// Opens `.wkc` files, recognised by their magic.
public enum WKCReader: CheckpointReader {
    /// Opens and validates a `.wkc` file's structure (header checksum included). O(header).
    public static func open(_ path: String) throws -> WKCCheckpoint {
        let file = try MappedFile(path: path)
        let header = try WKCHeader.validate(file.bytes, file: path).get()
        return WKCCheckpoint(path: path, file: file, header: header)
    }

    public static let formats: [CheckpointFormat] = [.wkc]
    public static let directoryEntries = [DirectoryEntry(suffix: ".wkc", role: .single)]

    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        let b = probe.bytes
        return b.count >= 8 && WKCFormat.magic.indices.allSatisfy { b[$0] == WKCFormat.magic[$0] }
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path)
    }

    /// The header checksum, every tensor's CRC-32 (over all cores) and all padding.
    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .wkc)
        let file = try MappedFile(path: path)
        switch WKCHeader.validate(file.bytes, file: path) {
        case .failure(let p): result.problems = p.problems.map(\.description)
        case .success:
            let c = try open(path)
            result.tensorCount = c.tensors.count
            result.checkedBytes = file.size
            result.problems = c.verifyData(progress: progress).map(\.description)
            result.notes.append("header checksum, \(c.header.entries.count) tensor checksums and all padding verified")
        }
        return result
    }
}
