/// At most this many problems are kept per file (a hostile header can have millions).
public let maximumReportedProblems = 1000

/// The parsed and validated header of one safetensors file.
public struct SafetensorsHeader: Sendable {
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// Tensors in data-offset order, with absolute file offsets.
    public var tensors: [TensorInfo]
    public var metadata: [String: String]
    /// Length of the JSON header in bytes (the 8-byte length prefix not included).
    public var headerLength: Int

    /// Validates `bytes` (a whole file) and returns the header, or every problem found.
    /// Problems that make the rest meaningless (not JSON, ...) end the walk; tensor-level
    /// problems are all collected.
    public static func validate(_ bytes: UnsafeRawBufferPointer, file: String, fileIndex: Int = 0) -> Result<
        SafetensorsHeader, SafetensorsProblems
    > {
        var problems: [SafetensorsError] = []
        func fail(_ e: SafetensorsError) -> Result<SafetensorsHeader, SafetensorsProblems> {
            .failure(SafetensorsProblems(file: file, problems: [e]))
        }
        guard bytes.count >= 8 else { return fail(.fileTooSmall(file: file, size: bytes.count)) }
        let n = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard n <= maximumHeaderLength else { return fail(.headerTooLarge(file: file, declared: n)) }
        guard Int(n) <= bytes.count - 8 else {
            return fail(.headerPastEndOfFile(file: file, declared: n, fileSize: bytes.count))
        }
        let headerLength = Int(n)
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
        if let bad = UTF8Validation.firstInvalidByte(headerBytes) {
            return fail(.headerNotUTF8(file: file, byteOffset: bad))
        }

        var metadata: [String: String] = [:]
        var candidates: [(info: TensorInfo, start: Int, end: Int)] = []
        var seen = Set<String>()
        var reportedDuplicates = Set<String>()
        var omitted = 0
        func report(_ e: SafetensorsError) {
            if problems.count < maximumReportedProblems { problems.append(e) } else { omitted += 1 }
        }
        // Members are validated as they are parsed, so a hostile header never exists as a whole
        // JSON tree in memory; arrays inside a member are bounded (a shape has at most 64 dims).
        let notObject: String?
        do {
            notObject = try JSONParser.forEachMember(
                of: headerBytes, limits: .init(maximumDepth: 8, maximumArrayLength: 1024)
            ) { name, value in
                if !seen.insert(name).inserted {
                    if reportedDuplicates.insert(name).inserted {
                        report(.duplicateTensorName(file: file, tensor: name))
                    }
                    return
                }
                validateMember(name: name, value: value)
            }
        } catch {
            if error.exceedsLimit { return fail(.headerExceedsLimits(file: file, detail: error.description)) }
            return fail(.headerNotJSON(file: file, detail: error.description))
        }
        if let notObject { return fail(.headerNotObject(file: file, found: notObject)) }

        func validateMember(name: String, value: JSONValue) {
            if name == "__metadata__" {
                guard case .object(let m) = value else {
                    report(.metadataNotObject(file: file, found: value.typeName)); return
                }
                for key in m.duplicateKeys() { report(.duplicateMetadataKey(file: file, key: key)) }
                for (k, v) in m.entries {
                    guard case .string(let s) = v else {
                        report(.metadataValueNotString(file: file, key: k, found: v.typeName)); continue
                    }
                    if metadata[k] == nil { metadata[k] = s }
                }
                return
            }
            switch parseEntry(name: name, value: value, file: file) {
            case .failure(let e): report(e)
            case .success(let (dtype, shape, start, end)):
                guard let count = elementCount(of: shape), let needed = dtype.byteCount(elements: count) else {
                    if let count = elementCount(of: shape),
                        !count.multipliedReportingOverflow(by: dtype.bitSize).overflow
                    {
                        report(.notByteAligned(file: file, tensor: name, shape: shape, dtype: dtype))
                    } else {
                        report(.sizeOverflow(file: file, tensor: name, shape: shape, dtype: dtype))
                    }
                    return
                }
                guard end >= start else {
                    report(.invertedOffsets(file: file, tensor: name, start: start, end: end)); return
                }
                guard end - start == needed else {
                    report(
                        .byteCountMismatch(
                            file: file, tensor: name, shape: shape, dtype: dtype, expected: needed,
                            declared: end - start))
                    return
                }
                let info = TensorInfo(
                    name: name, dtype: dtype, shape: shape, fileIndex: fileIndex,
                    byteOffset: 8 + headerLength + start, byteCount: end - start)
                candidates.append((info, start, end))
            }
        }

        // Layout: sorted by offsets, the tensors must tile the data section exactly.
        candidates.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        let dataSize = bytes.count - 8 - headerLength
        var expected = 0
        var previous: String? = nil
        for c in candidates {
            if c.start > expected {
                report(.gapBeforeTensor(file: file, tensor: c.info.name, expectedStart: expected, start: c.start))
            } else if c.start < expected, let previous {
                report(
                    .overlappingTensors(
                        file: file, tensor: c.info.name, previous: previous, start: c.start, previousEnd: expected))
            }
            if c.end > dataSize {
                report(.dataPastEndOfFile(file: file, tensor: c.info.name, end: c.end, dataSize: dataSize))
            }
            if c.end >= expected { expected = c.end; previous = c.info.name }
        }
        if expected < dataSize {
            report(.trailingBytes(file: file, dataEnd: expected, dataSize: dataSize))
        }
        if !problems.isEmpty { return .failure(SafetensorsProblems(file: file, problems: problems, omitted: omitted)) }
        return .success(
            SafetensorsHeader(tensors: candidates.map(\.info), metadata: metadata, headerLength: headerLength))
    }

    private static func parseEntry(name: String, value: JSONValue, file: String) -> Result<
        (DType, [Int], Int, Int), SafetensorsError
    > {
        guard case .object(let entry) = value else {
            return .failure(.tensorEntryNotObject(file: file, tensor: name, found: value.typeName))
        }
        guard let dtypeValue = entry["dtype"], dtypeValue != .null else {
            return .failure(.missingField(file: file, tensor: name, field: "dtype"))
        }
        guard case .string(let dtypeName) = dtypeValue, let dtype = DType(rawValue: dtypeName) else {
            return .failure(
                .unknownDType(file: file, tensor: name, dtype: dtypeValue.stringValue ?? dtypeValue.serialized()))
        }
        guard let shapeValue = entry["shape"], shapeValue != .null else {
            return .failure(.missingField(file: file, tensor: name, field: "shape"))
        }
        guard case .array(let dims) = shapeValue else {
            return .failure(
                .invalidShape(file: file, tensor: name, detail: "expected an array, found \(shapeValue.typeName)"))
        }
        guard dims.count <= 64 else {
            return .failure(.invalidShape(file: file, tensor: name, detail: "rank \(dims.count) exceeds 64 dimensions"))
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (i, d) in dims.enumerated() {
            guard let v = d.intValue, v >= 0 else {
                return .failure(
                    .invalidShape(
                        file: file, tensor: name,
                        detail: "dimension \(i) is \(d.serialized()), expected a non-negative integer"))
            }
            shape.append(v)
        }
        guard let offValue = entry["data_offsets"], offValue != .null else {
            return .failure(.missingField(file: file, tensor: name, field: "data_offsets"))
        }
        guard case .array(let offs) = offValue, offs.count == 2 else {
            return .failure(
                .invalidOffsets(
                    file: file, tensor: name, detail: "expected [start, end], found \(offValue.serialized())"))
        }
        guard let start = offs[0].intValue, let end = offs[1].intValue, start >= 0, end >= 0 else {
            return .failure(
                .invalidOffsets(
                    file: file, tensor: name, detail: "\(offValue.serialized()) are not two non-negative integers"))
        }
        return .success((dtype, shape, start, end))
    }
}

/// Every problem found in one safetensors file. Thrown by the reader; `description` lists them all.
public struct SafetensorsProblems: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [SafetensorsError]
    /// Problems found beyond the first `maximumReportedProblems`, counted but not kept.
    public var omitted: Int = 0
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
            + (omitted > 0 ? "\n\(file): … and \(omitted) more problems" : "")
    }
    /// The first problem (the one a caller usually reports first).
    public var first: SafetensorsError { problems[0] }
}
