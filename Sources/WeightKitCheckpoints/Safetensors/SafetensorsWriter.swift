/// Writes safetensors files the way the reference implementation lays them out: tensors sorted
/// by dtype alignment (largest first) then by name, so each tensor starts at a multiple of its
/// element size; the header padded with spaces to a multiple of 8; `__metadata__` string → string.
/// The file appears atomically (temporary file, fsync, rename).
public enum SafetensorsWriter {
    public static func write(
        _ tensors: [OutputTensor], metadata: [String: String] = [:], to path: String,
        progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws {
        try TensorDataEmitter.validate(tensors, file: path, reserved: ["__metadata__"])
        let ordered = tensors.sorted { a, b in a.dtype != b.dtype ? a.dtype > b.dtype : a.name < b.name }
        var entries: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty { entries.append((key: "__metadata__", value: .stringMap(metadata))) }
        var offset = 0
        for t in ordered {
            let n = t.byteCount
            entries.append(
                (
                    key: t.name,
                    value: .object([
                        "dtype": .string(t.dtype.rawValue),
                        "shape": .array(t.shape.map { .int($0) }),
                        "data_offsets": .array([.int(offset), .int(offset + n)]),
                    ])
                ))
            offset += n
        }
        var header = Array(JSONValue.object(JSONObject(entries)).serialized().utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))

        let writer = try AtomicFileWriter(destination: path, expectedSize: 8 + header.count + offset)
        var prefix = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { for i in 0..<8 { prefix[i] = $0[i] } }
        try writer.write(prefix)
        try writer.write(header)
        var done = 0
        for t in ordered {
            _ = try TensorDataEmitter.emit(t, to: writer, crc: false, audit: audit) { n in
                done += n
                progress?(done, offset)
            }
        }
        try audit?.verdict(file: path)
        try writer.commit()
    }
}
