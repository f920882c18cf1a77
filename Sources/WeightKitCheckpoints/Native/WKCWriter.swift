import Dispatch

/// Writes `.wkc` files atomically. Tensors keep the order given (a graph-ready file lists them in
/// the order the graph binds them); each starts at a 64-byte boundary. The header is written with
/// placeholder checksums, the data is streamed while its CRC-32s are computed, then the header is
/// filled in (checksums are fixed-width hex; the header is padded with spaces to the length first
/// reserved), all before the rename. `completeProvenance`, when given, runs after the data is
/// written and may fill in fields of the same width (the source digests computed meanwhile).
public enum WKCWriter {
    public static func write(
        _ tensors: [OutputTensor], metadata: [String: String] = [:], model: WKCModelSection? = nil,
        provenance: WKCProvenance? = nil, completeProvenance: ((inout WKCProvenance) -> Void)? = nil,
        to path: String, progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws {
        try TensorDataEmitter.validate(tensors, file: path, reserved: [])
        // Version 2 only when a tensor is blocked, so plain files stay readable by version-1 readers.
        let version = tensors.contains { $0.layout != nil } ? WKCFormat.layoutVersion : WKCFormat.version
        var offsets: [Int] = []
        var end = 0
        for t in tensors {
            let start = WKCFormat.align(end)
            offsets.append(start)
            end = start + t.byteCount
        }
        let dataSize = end
        var provenance = provenance
        func header(_ crcs: [UInt32]) -> [UInt8] {
            let list: [JSONValue] = tensors.indices.map { i in
                let t = tensors[i]
                var fields: [(key: String, value: JSONValue)] = [
                    ("name", .string(t.name)),
                    ("dtype", .string(t.dtype.rawValue)),
                    ("shape", .array(t.shape.map { .int($0) })),
                    ("offset", .int(offsets[i])),
                    ("length", .int(t.byteCount)),
                    ("crc32", .string(Hex.padded(crcs[i]))),
                ]
                if let layout = t.layout { fields.append(("layout", .string(layout.description))) }
                if let scale = t.scale { fields.append(("scale", .string(scale))) }
                return .object(JSONObject(fields))
            }
            let root: JSONValue = .object([
                "data_size": .int(dataSize),
                "metadata": .stringMap(metadata),
                "model": model.map { .object(["architecture": .string($0.architecture), "config": $0.config]) }
                    ?? .null,
                "provenance": provenance?.json ?? .null,
                "tensors": .array(list),
            ])
            return Array(root.serialized(indent: 1).utf8)
        }
        var headerBytes = header([UInt32](repeating: 0, count: tensors.count))
        let dataStart = WKCFormat.align(WKCFormat.prefixSize + headerBytes.count)

        let writer = try AtomicFileWriter(destination: path, expectedSize: dataStart + dataSize)
        try writer.write(prefix(headerBytes, version: version))
        try writer.write(headerBytes)
        try writer.writeZeros(dataStart - writer.bytesWritten)
        // Bytes that pass through this process are checksummed as they go, while in cache; a
        // tensor the emitter copied inside the kernel is checksummed from its source bytes on
        // another core (one serial queue) while this one writes on.
        let checksums = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(1, tensors.count))
        checksums.initialize(repeating: 0)
        nonisolated(unsafe) let shared = checksums
        let kernelCopies = DispatchQueue(label: "weightkit.wkc-checksums")
        let background = DispatchGroup()
        // Also when a write fails: the background checksums must be done with the buffer
        // before it is freed (found by the ulimit -f test: heap corruption otherwise).
        defer {
            background.wait()
            checksums.deallocate()
        }
        var done = 0
        for (i, t) in tensors.enumerated() {
            try writer.writeZeros(dataStart + offsets[i] - writer.bytesWritten)
            let crc = try TensorDataEmitter.emit(t, to: writer, crc: true, audit: audit) { n in
                done += n
                progress?(done, dataSize)
            }
            if let crc {
                checksums[i] = crc
            } else {
                kernelCopies.async(group: background) {
                    guard let view = try? tensors[i].sourceView() else { return }  // it was just read: cannot fail
                    shared[i] = CRC32.checksum(view.bytes, parallel: false)
                    view.releaseResidentPages()
                }
            }
        }
        background.wait()
        try audit?.verdict(file: path)
        let crcs = Array(checksums)
        // Flush the bulk data now, while a caller's own background work (the source digests)
        // may still be running; the final commit then only flushes the header page.
        try writer.sync()
        if var p = provenance, let completeProvenance {
            completeProvenance(&p)
            provenance = p
        }
        let reserved = headerBytes.count
        headerBytes = header(crcs)
        precondition(headerBytes.count <= reserved, "header grew while filling in checksums")
        headerBytes += [UInt8](repeating: 0x20, count: reserved - headerBytes.count)
        try writer.overwrite(prefix(headerBytes, version: version) + headerBytes, at: 0)
        try writer.commit()
    }

    private static func prefix(_ header: [UInt8], version: UInt32) -> [UInt8] {
        var p = WKCFormat.magic
        withUnsafeBytes(of: version.littleEndian) { p += $0 }
        withUnsafeBytes(of: CRC32.checksum(header).littleEndian) { p += $0 }
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { p += $0 }
        return p
    }
}
