/// One broken `.wkc` rule. Every case names the file, and the tensor where there is one.
public enum WKCError: Error, Sendable, Equatable {
    case fileTooSmall(file: String, size: Int)
    case badMagic(file: String)
    case unsupportedVersion(file: String, version: UInt32)
    case headerTooLarge(file: String, declared: UInt64)
    case headerPastEndOfFile(file: String, declared: UInt64, fileSize: Int)
    case headerChecksumMismatch(file: String, stored: UInt32, computed: UInt32)
    case headerNotUTF8(file: String, byteOffset: Int)
    case headerNotJSON(file: String, detail: String)
    case invalidHeaderField(file: String, field: String, detail: String)
    case duplicateKey(file: String, object: String, key: String)
    case duplicateTensorName(file: String, tensor: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case invalidTensorField(file: String, tensor: String, field: String, detail: String)
    case sizeOverflow(file: String, tensor: String)
    case byteCountMismatch(file: String, tensor: String, expected: Int, declared: Int)
    case misalignedTensor(file: String, tensor: String, offset: Int)
    case outOfOrderTensor(file: String, tensor: String, offset: Int, previousEnd: Int)
    case gapBeforeTensor(file: String, tensor: String, expectedOffset: Int, offset: Int)
    case dataPastEnd(file: String, tensor: String, end: Int, dataSize: Int)
    case fileSizeMismatch(file: String, expected: Int, actual: Int)
    // Found only by full verification (`check`):
    case dataChecksumMismatch(file: String, tensor: String, stored: UInt32, computed: UInt32)
    case nonZeroPadding(file: String, offset: Int, after: String)

    public var file: String {
        switch self {
        case .fileTooSmall(let f, _), .badMagic(let f), .unsupportedVersion(let f, _), .headerTooLarge(let f, _),
            .headerPastEndOfFile(let f, _, _), .headerChecksumMismatch(let f, _, _), .headerNotUTF8(let f, _),
            .headerNotJSON(let f, _), .invalidHeaderField(let f, _, _), .duplicateKey(let f, _, _),
            .duplicateTensorName(let f, _), .unknownDType(let f, _, _), .invalidTensorField(let f, _, _, _),
            .sizeOverflow(let f, _), .byteCountMismatch(let f, _, _, _), .misalignedTensor(let f, _, _),
            .outOfOrderTensor(let f, _, _, _), .gapBeforeTensor(let f, _, _, _), .dataPastEnd(let f, _, _, _),
            .fileSizeMismatch(let f, _, _), .dataChecksumMismatch(let f, _, _, _), .nonZeroPadding(let f, _, _):
            return f
        }
    }
}

extension WKCError: CustomStringConvertible {
    public var description: String {
        let hex = { (v: UInt32) in Hex.padded(v) }
        switch self {
        case let .fileTooSmall(f, n): return "\(f): not a .wkc file: \(n) bytes is shorter than the 24-byte prefix"
        case let .badMagic(f): return "\(f): not a .wkc file (wrong magic bytes)"
        case let .unsupportedVersion(f, v):
            return
                "\(f): .wkc format version \(v) is not supported (this WeightKit reads versions \(WKCFormat.supportedVersions.lowerBound)–\(WKCFormat.supportedVersions.upperBound))"
        case let .headerTooLarge(f, n): return "\(f): header length \(n) bytes exceeds the 100 MB limit"
        case let .headerPastEndOfFile(f, n, size):
            return "\(f): header length \(n) bytes runs past the end of the \(size)-byte file"
        case let .headerChecksumMismatch(f, s, c):
            return "\(f): header checksum mismatch (stored \(hex(s)), computed \(hex(c))): the header is corrupt"
        case let .headerNotUTF8(f, o): return "\(f): header is not valid UTF-8 (bad byte at header offset \(o))"
        case let .headerNotJSON(f, d): return "\(f): header is not valid JSON: \(d)"
        case let .invalidHeaderField(f, field, d): return "\(f): header field '\(field)': \(d)"
        case let .duplicateKey(f, o, k): return "\(f): key '\(k)' appears more than once in \(o)"
        case let .duplicateTensorName(f, t): return "\(f): tensor '\(t)' is declared more than once"
        case let .unknownDType(f, t, d): return "\(f): tensor '\(t)': unknown dtype \(d)"
        case let .invalidTensorField(f, t, field, d): return "\(f): tensor '\(t)': field '\(field)': \(d)"
        case let .sizeOverflow(f, t):
            return "\(f): tensor '\(t)': shape × dtype size overflows or does not end on a byte boundary"
        case let .byteCountMismatch(f, t, e, d):
            return "\(f): tensor '\(t)': length \(d) bytes but shape × dtype needs \(e)"
        case let .misalignedTensor(f, t, o):
            return "\(f): tensor '\(t)': offset \(o) is not a multiple of \(WKCFormat.alignment)"
        case let .outOfOrderTensor(f, t, o, pe):
            return "\(f): tensor '\(t)': offset \(o) is before the end (\(pe)) of the tensor listed before it"
        case let .gapBeforeTensor(f, t, e, o):
            return "\(f): tensor '\(t)': offset \(o) leaves more than alignment padding after \(e)"
        case let .dataPastEnd(f, t, e, size):
            return "\(f): tensor '\(t)': ends at data offset \(e), past data_size \(size)"
        case let .fileSizeMismatch(f, e, a):
            return "\(f): file is \(a) bytes but its header describes \(e) (truncated or extended)"
        case let .dataChecksumMismatch(f, t, s, c):
            return
                "\(f): tensor '\(t)': data checksum mismatch (stored \(hex(s)), computed \(hex(c))): the tensor's bytes are corrupt"
        case let .nonZeroPadding(f, o, after):
            return "\(f): padding byte at file offset \(o) (after \(after)) is not zero"
        }
    }
}

/// Every problem found in one `.wkc` file.
public struct WKCProblems: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [WKCError]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
