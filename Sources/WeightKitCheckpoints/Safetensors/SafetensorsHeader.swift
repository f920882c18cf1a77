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
    public static func validate(_ bytes: UnsafeRawBufferPointer, file: String, fileIndex: Int = 0) -> Result<SafetensorsHeader, SafetensorsProblems> {
        var problems: [SafetensorsError] = []
        func fail(_ e: SafetensorsError) -> Result<SafetensorsHeader, SafetensorsProblems> {
            .failure(SafetensorsProblems(file: file, problems: [e]))
        }
        guard bytes.count >= 8 else { return fail(.fileTooSmall(file: file, size: bytes.count)) }
        let n = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard n <= maximumHeaderLength else { return fail(.headerTooLarge(file: file, declared: n)) }
        guard Int(n) <= bytes.count - 8 else { return fail(.headerPastEndOfFile(file: file, declared: n, fileSize: bytes.count)) }
        let headerLength = Int(n)
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
        if let bad = UTF8Validation.firstInvalidByte(headerBytes) { return fail(.headerNotUTF8(file: file, byteOffset: bad)) }
        let root: JSONValue
        do { root = try JSONParser.parse(headerBytes) } catch { return fail(.headerNotJSON(file: file, detail: error.description)) }
        guard case .object(let object) = root else { return fail(.headerNotObject(file: file, found: root.typeName)) }

        var metadata: [String: String] = [:]
        var candidates: [(info: TensorInfo, start: Int, end: Int)] = []
        var seen = Set<String>(minimumCapacity: object.count)
        var reportedDuplicates = Set<String>()
        for (name, value) in object.entries {
            if !seen.insert(name).inserted {
                if reportedDuplicates.insert(name).inserted { problems.append(.duplicateTensorName(file: file, tensor: name)) }
                continue
            }
            if name == "__metadata__" {
                guard case .object(let m) = value else {
                    problems.append(.metadataNotObject(file: file, found: value.typeName)); continue
                }
                for key in m.duplicateKeys() { problems.append(.duplicateMetadataKey(file: file, key: key)) }
                for (k, v) in m.entries {
                    guard case .string(let s) = v else {
                        problems.append(.metadataValueNotString(file: file, key: k, found: v.typeName)); continue
                    }
                    if metadata[k] == nil { metadata[k] = s }
                }
                continue
            }
            switch parseEntry(name: name, value: value, file: file) {
            case .failure(let e): problems.append(e)
            case .success(let (dtype, shape, start, end)):
                guard let count = elementCount(of: shape), let needed = dtype.byteCount(elements: count) else {
                    if let count = elementCount(of: shape), !count.multipliedReportingOverflow(by: dtype.bitSize).overflow {
                        problems.append(.notByteAligned(file: file, tensor: name, shape: shape, dtype: dtype))
                    } else {
                        problems.append(.sizeOverflow(file: file, tensor: name, shape: shape, dtype: dtype))
                    }
                    continue
                }
                guard end >= start else { problems.append(.invertedOffsets(file: file, tensor: name, start: start, end: end)); continue }
                guard end - start == needed else {
                    problems.append(.byteCountMismatch(file: file, tensor: name, shape: shape, dtype: dtype, expected: needed, declared: end - start))
                    continue
                }
                let info = TensorInfo(name: name, dtype: dtype, shape: shape, fileIndex: fileIndex,
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
                problems.append(.gapBeforeTensor(file: file, tensor: c.info.name, expectedStart: expected, start: c.start))
            } else if c.start < expected, let previous {
                problems.append(.overlappingTensors(file: file, tensor: c.info.name, previous: previous, start: c.start, previousEnd: expected))
            }
            if c.end > dataSize {
                problems.append(.dataPastEndOfFile(file: file, tensor: c.info.name, end: c.end, dataSize: dataSize))
            }
            if c.end >= expected { expected = c.end; previous = c.info.name }
        }
        if expected < dataSize {
            problems.append(.trailingBytes(file: file, dataEnd: expected, dataSize: dataSize))
        }
        if !problems.isEmpty { return .failure(SafetensorsProblems(file: file, problems: problems)) }
        return .success(SafetensorsHeader(tensors: candidates.map(\.info), metadata: metadata, headerLength: headerLength))
    }

    private static func parseEntry(name: String, value: JSONValue, file: String) -> Result<(DType, [Int], Int, Int), SafetensorsError> {
        guard case .object(let entry) = value else { return .failure(.tensorEntryNotObject(file: file, tensor: name, found: value.typeName)) }
        guard let dtypeValue = entry["dtype"], dtypeValue != .null else { return .failure(.missingField(file: file, tensor: name, field: "dtype")) }
        guard case .string(let dtypeName) = dtypeValue, let dtype = DType(rawValue: dtypeName) else {
            return .failure(.unknownDType(file: file, tensor: name, dtype: dtypeValue.stringValue ?? dtypeValue.serialized()))
        }
        guard let shapeValue = entry["shape"], shapeValue != .null else { return .failure(.missingField(file: file, tensor: name, field: "shape")) }
        guard case .array(let dims) = shapeValue else { return .failure(.invalidShape(file: file, tensor: name, detail: "expected an array, found \(shapeValue.typeName)")) }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (i, d) in dims.enumerated() {
            guard let v = d.intValue, v >= 0 else {
                return .failure(.invalidShape(file: file, tensor: name, detail: "dimension \(i) is \(d.serialized()), expected a non-negative integer"))
            }
            shape.append(v)
        }
        guard let offValue = entry["data_offsets"], offValue != .null else { return .failure(.missingField(file: file, tensor: name, field: "data_offsets")) }
        guard case .array(let offs) = offValue, offs.count == 2 else {
            return .failure(.invalidOffsets(file: file, tensor: name, detail: "expected [start, end], found \(offValue.serialized())"))
        }
        guard let start = offs[0].intValue, let end = offs[1].intValue, start >= 0, end >= 0 else {
            return .failure(.invalidOffsets(file: file, tensor: name, detail: "\(offValue.serialized()) are not two non-negative integers"))
        }
        return .success((dtype, shape, start, end))
    }
}

/// Every problem found in one safetensors file. Thrown by the reader; `description` lists them all.
public struct SafetensorsProblems: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [SafetensorsError]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
    /// The first problem (the one a caller usually reports first).
    public var first: SafetensorsError { problems[0] }
}
