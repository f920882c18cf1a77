import Dispatch

/// An opened `.wkc` file: a checkpoint plus the model section, provenance and checksums.
public final class WKCCheckpoint: Checkpoint, @unchecked Sendable {
    public let header: WKCHeader
    private let mapped: MappedCheckpoint

    init(path: String, file: MappedFile, header: WKCHeader) {
        self.header = header
        self.mapped = MappedCheckpoint(
            path: path, format: .wkc, files: [file], tensors: header.entries.map(\.info),
            metadata: header.metadata, modelConfig: header.model?.config)
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
    public func view(_ info: TensorInfo) throws -> TensorView { try mapped.view(info) }

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
            result.notes.append("header checksum, \(c.tensors.count) tensor checksums and all padding verified")
        }
        return result
    }
}
