/// The parsed and validated header of a `.wkc` file.
public struct WKCHeader: Sendable {
    /// One tensor of the header: where it is, and the CRC-32 of its bytes.
    public struct Entry: Sendable {
        /// Where and how big the bytes are as stored (for a blocked tensor, the padded tiles).
        public var info: TensorInfo
        public var crc32: UInt32
        /// A [K, N] tensor stored in a blocked layout (format version 2), else nil.
        public var layout: BlockedLayout? = nil
        /// For an I8 blocked tensor: the F32 [N] tensor of its per-column scales (value = q · scale).
        public var scale: String? = nil
    }
    public var entries: [Entry]
    public var metadata: [String: String]
    public var model: WKCModelSection?
    /// The provenance object as stored (see `WKCProvenance` for the fields the writer puts there).
    public var provenance: JSONValue?
    public var headerLength: Int
    public var dataStart: Int
    public var dataSize: Int

    /// Validates the structure of a whole file's bytes (not the tensor checksums).
    public static func validate(_ bytes: UnsafeRawBufferPointer, file: String) -> Result<WKCHeader, WKCProblems> {
        func fail(_ e: WKCError) -> Result<WKCHeader, WKCProblems> { .failure(WKCProblems(file: file, problems: [e])) }
        guard bytes.count >= WKCFormat.prefixSize else { return fail(.fileTooSmall(file: file, size: bytes.count)) }
        guard WKCFormat.magic.indices.allSatisfy({ bytes[$0] == WKCFormat.magic[$0] }) else {
            return fail(.badMagic(file: file))
        }
        let version = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard WKCFormat.supportedVersions.contains(version) else {
            return fail(.unsupportedVersion(file: file, version: version))
        }
        let storedCRC = bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian
        let declared = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian
        guard declared <= UInt64(WKCFormat.maximumHeaderLength) else {
            return fail(.headerTooLarge(file: file, declared: declared))
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - WKCFormat.prefixSize else {
            return fail(.headerPastEndOfFile(file: file, declared: declared, fileSize: bytes.count))
        }
        let headerBytes = UnsafeRawBufferPointer(
            rebasing: bytes[WKCFormat.prefixSize..<(WKCFormat.prefixSize + headerLength)])
        let computed = CRC32.checksum(headerBytes, parallel: false)
        guard computed == storedCRC else {
            return fail(.headerChecksumMismatch(file: file, stored: storedCRC, computed: computed))
        }
        if let bad = UTF8Validation.firstInvalidByte(headerBytes) {
            return fail(.headerNotUTF8(file: file, byteOffset: bad))
        }
        let root: JSONValue
        do { root = try JSONParser.parse(headerBytes) } catch {
            return fail(.headerNotJSON(file: file, detail: error.description))
        }
        guard case .object(let obj) = root else {
            return fail(
                .invalidHeaderField(file: file, field: "(root)", detail: "must be an object, found \(root.typeName)"))
        }

        var problems: [WKCError] = []
        reportDuplicateKeys(root, at: "the header", file: file, into: &problems)

        guard let dataSize = obj["data_size"]?.intValue, dataSize >= 0 else {
            return .failure(
                WKCProblems(
                    file: file,
                    problems: problems + [
                        .invalidHeaderField(file: file, field: "data_size", detail: "must be a non-negative integer")
                    ]))
        }
        var metadata: [String: String] = [:]
        switch obj["metadata"] {
        case .object(let m)?:
            for (k, v) in m.entries {
                if let s = v.stringValue {
                    metadata[k] = s
                } else {
                    problems.append(
                        .invalidHeaderField(
                            file: file, field: "metadata.\(k)", detail: "must be a string, found \(v.typeName)"))
                }
            }
        case nil, .null?: break
        case let other?:
            problems.append(
                .invalidHeaderField(file: file, field: "metadata", detail: "must be an object, found \(other.typeName)")
            )
        }
        var model: WKCModelSection? = nil
        switch obj["model"] {
        case nil, .null?: break
        case .object(let m)?:
            if let arch = m["architecture"]?.stringValue, case .object? = m["config"] {
                model = WKCModelSection(architecture: arch, config: m["config"]!)
            } else {
                problems.append(
                    .invalidHeaderField(
                        file: file, field: "model", detail: "needs a string 'architecture' and an object 'config'"))
            }
        case let other?:
            problems.append(
                .invalidHeaderField(
                    file: file, field: "model", detail: "must be an object or null, found \(other.typeName)"))
        }
        let provenance = obj["provenance"]
        if let p = provenance, p != .null, p.objectValue == nil {
            problems.append(
                .invalidHeaderField(
                    file: file, field: "provenance", detail: "must be an object or null, found \(p.typeName)"))
        }

        guard case .array(let list)? = obj["tensors"] else {
            return .failure(
                WKCProblems(
                    file: file,
                    problems: problems + [.invalidHeaderField(file: file, field: "tensors", detail: "must be an array")]
                ))
        }
        let dataStart = WKCFormat.align(WKCFormat.prefixSize + headerLength)
        var entries: [Entry] = []
        entries.reserveCapacity(list.count)
        var names = Set<String>(minimumCapacity: list.count)
        var previousEnd = 0
        for (i, item) in list.enumerated() {
            guard case .object(let t) = item, let name = t["name"]?.stringValue, !name.isEmpty else {
                problems.append(
                    .invalidHeaderField(
                        file: file, field: "tensors[\(i)]", detail: "must be an object with a non-empty string 'name'"))
                continue
            }
            if !names.insert(name).inserted {
                problems.append(.duplicateTensorName(file: file, tensor: name)); continue
            }
            guard let dtypeName = t["dtype"]?.stringValue, let dtype = DType(rawValue: dtypeName) else {
                problems.append(
                    .unknownDType(file: file, tensor: name, dtype: t["dtype"]?.serialized() ?? "(missing)"));
                continue
            }
            guard case .array(let dims)? = t["shape"], let shape = Optional(dims.compactMap { $0.intValue }),
                shape.count == dims.count, shape.allSatisfy({ $0 >= 0 })
            else {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: name, field: "shape", detail: "must be an array of non-negative integers"));
                continue
            }
            guard let offset = t["offset"]?.intValue, offset >= 0 else {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: name, field: "offset", detail: "must be a non-negative integer"));
                continue
            }
            guard let length = t["length"]?.intValue, length >= 0 else {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: name, field: "length", detail: "must be a non-negative integer"));
                continue
            }
            guard let crcText = t["crc32"]?.stringValue, crcText.utf8.count == 8, let crc = UInt32(crcText, radix: 16)
            else {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: name, field: "crc32", detail: "must be 8 hexadecimal digits"));
                continue
            }
            var layout: BlockedLayout? = nil
            var scale: String? = nil
            if let field = t["layout"] {
                guard let tag = field.stringValue, let l = BlockedLayout(tag: tag) else {
                    problems.append(
                        .invalidTensorField(
                            file: file, tensor: name, field: "layout",
                            detail: "must be a blocked layout BA{n}a{n}b{n}a, found \(field.serialized())"))
                    continue
                }
                guard version >= WKCFormat.layoutVersion else {
                    problems.append(
                        .invalidTensorField(
                            file: file, tensor: name, field: "layout",
                            detail:
                                "blocked layouts need format version \(WKCFormat.layoutVersion); the file says \(version)"
                        ))
                    continue
                }
                guard shape.count == 2, dtype == .bf16 || dtype == .i8 else {
                    problems.append(
                        .invalidTensorField(
                            file: file, tensor: name, field: "layout",
                            detail: "a blocked layout holds a 2-D BF16 or I8 tensor, not \(dtype.rawValue) \(shape)"))
                    continue
                }
                layout = l
                switch (dtype, t["scale"]) {
                case (.i8, let s?):
                    guard let s = s.stringValue, !s.isEmpty else {
                        problems.append(
                            .invalidTensorField(
                                file: file, tensor: name, field: "scale", detail: "must name a tensor"))
                        continue
                    }
                    scale = s
                case (.i8, nil):
                    problems.append(
                        .invalidTensorField(
                            file: file, tensor: name, field: "scale",
                            detail: "an I8 blocked tensor needs its per-column F32 scales"))
                    continue
                default:
                    if t["scale"] != nil {
                        problems.append(
                            .invalidTensorField(
                                file: file, tensor: name, field: "scale", detail: "only I8 blocked tensors have scales")
                        )
                        continue
                    }
                }
            } else if t["scale"] != nil {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: name, field: "scale", detail: "only I8 blocked tensors have scales"))
                continue
            }
            guard let count = elementCount(of: shape),
                let needed = layout.map({ $0.byteCount(rows: shape[0], cols: shape[1], elementSize: dtype.bitSize / 8) }
                )
                    ?? dtype.byteCount(elements: count)
            else {
                problems.append(.sizeOverflow(file: file, tensor: name)); continue
            }
            if needed != length {
                problems.append(.byteCountMismatch(file: file, tensor: name, expected: needed, declared: length));
                continue
            }
            if offset % WKCFormat.alignment != 0 {
                problems.append(.misalignedTensor(file: file, tensor: name, offset: offset))
            }
            if offset < previousEnd {
                problems.append(.outOfOrderTensor(file: file, tensor: name, offset: offset, previousEnd: previousEnd))
            } else if offset > WKCFormat.align(previousEnd) {
                problems.append(.gapBeforeTensor(file: file, tensor: name, expectedOffset: previousEnd, offset: offset))
            }
            let (end, overflow) = offset.addingReportingOverflow(length)
            if overflow || end > dataSize {
                problems.append(
                    .dataPastEnd(file: file, tensor: name, end: overflow ? Int.max : end, dataSize: dataSize));
                continue
            }
            previousEnd = max(previousEnd, end)
            entries.append(
                Entry(
                    info: TensorInfo(
                        name: name, dtype: dtype, shape: shape, byteOffset: dataStart + offset, byteCount: length),
                    crc32: crc, layout: layout, scale: scale))
        }
        // Every int8 blocked tensor's scales: an F32 [N] plain tensor of the file, serving only it.
        let byName = Dictionary(entries.map { ($0.info.name, $0) }, uniquingKeysWith: { a, _ in a })
        var scaleOwners: [String: String] = [:]
        for e in entries {
            guard let s = e.scale else { continue }
            let n = e.info.shape[1]
            guard let target = byName[s], target.layout == nil, target.info.dtype == .f32, target.info.shape == [n]
            else {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: e.info.name, field: "scale",
                        detail: "'\(s)' must be a plain F32 [\(n)] tensor of this file"))
                continue
            }
            if let other = scaleOwners.updateValue(e.info.name, forKey: s) {
                problems.append(
                    .invalidTensorField(
                        file: file, tensor: e.info.name, field: "scale",
                        detail: "'\(s)' already holds the scales of '\(other)'"))
            }
        }
        if dataSize != previousEnd {
            problems.append(
                .invalidHeaderField(
                    file: file, field: "data_size", detail: "is \(dataSize) but the last tensor ends at \(previousEnd)")
            )
        }
        let expectedFileSize = dataStart + dataSize
        if problems.isEmpty, bytes.count != expectedFileSize {
            problems.append(.fileSizeMismatch(file: file, expected: expectedFileSize, actual: bytes.count))
        }
        if !problems.isEmpty { return .failure(WKCProblems(file: file, problems: problems)) }
        return .success(
            WKCHeader(
                entries: entries, metadata: metadata, model: model, provenance: provenance,
                headerLength: headerLength, dataStart: dataStart, dataSize: dataSize))
    }

    private static func reportDuplicateKeys(
        _ v: JSONValue, at place: String, file: String, into problems: inout [WKCError]
    ) {
        switch v {
        case .object(let o):
            for k in o.duplicateKeys() { problems.append(.duplicateKey(file: file, object: place, key: k)) }
            for e in o.entries { reportDuplicateKeys(e.value, at: "'\(e.key)'", file: file, into: &problems) }
        case .array(let a):
            for item in a { reportDuplicateKeys(item, at: place, file: file, into: &problems) }
        default: break
        }
    }
}
