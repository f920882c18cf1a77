/// One broken safetensors rule. Every case names the file, and the tensor where there is one.
/// The rules are those of the reference implementation (huggingface/safetensors), plus explicit
/// duplicate detection, which the reference reader reports only as a confusing offset error.
public enum SafetensorsError: Error, Sendable, Equatable {
    case fileTooSmall(file: String, size: Int)
    case headerTooLarge(file: String, declared: UInt64)
    case headerPastEndOfFile(file: String, declared: UInt64, fileSize: Int)
    case headerNotUTF8(file: String, byteOffset: Int)
    case headerNotJSON(file: String, detail: String)
    /// Structure no real checkpoint has (arrays over 1024 elements, nesting over 8 levels),
    /// refused before it can cost memory many times the file's size.
    case headerExceedsLimits(file: String, detail: String)
    case headerNotObject(file: String, found: String)
    case metadataNotObject(file: String, found: String)
    case metadataValueNotString(file: String, key: String, found: String)
    case duplicateMetadataKey(file: String, key: String)
    case duplicateTensorName(file: String, tensor: String)
    case tensorEntryNotObject(file: String, tensor: String, found: String)
    case missingField(file: String, tensor: String, field: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case invalidShape(file: String, tensor: String, detail: String)
    case invalidOffsets(file: String, tensor: String, detail: String)
    case sizeOverflow(file: String, tensor: String, shape: [Int], dtype: DType)
    case notByteAligned(file: String, tensor: String, shape: [Int], dtype: DType)
    case byteCountMismatch(file: String, tensor: String, shape: [Int], dtype: DType, expected: Int, declared: Int)
    case invertedOffsets(file: String, tensor: String, start: Int, end: Int)
    case gapBeforeTensor(file: String, tensor: String, expectedStart: Int, start: Int)
    case overlappingTensors(file: String, tensor: String, previous: String, start: Int, previousEnd: Int)
    case dataPastEndOfFile(file: String, tensor: String, end: Int, dataSize: Int)
    case trailingBytes(file: String, dataEnd: Int, dataSize: Int)
    case reservedTensorName(file: String, tensor: String)

    /// The file the problem is in.
    public var file: String {
        switch self {
        case .fileTooSmall(let f, _), .headerTooLarge(let f, _), .headerPastEndOfFile(let f, _, _),
            .headerNotUTF8(let f, _), .headerNotJSON(let f, _), .headerExceedsLimits(let f, _),
            .headerNotObject(let f, _),
            .metadataNotObject(let f, _), .metadataValueNotString(let f, _, _), .duplicateMetadataKey(let f, _),
            .duplicateTensorName(let f, _), .tensorEntryNotObject(let f, _, _), .missingField(let f, _, _),
            .unknownDType(let f, _, _), .invalidShape(let f, _, _), .invalidOffsets(let f, _, _),
            .sizeOverflow(let f, _, _, _), .notByteAligned(let f, _, _, _), .byteCountMismatch(let f, _, _, _, _, _),
            .invertedOffsets(let f, _, _, _), .gapBeforeTensor(let f, _, _, _), .overlappingTensors(let f, _, _, _, _),
            .dataPastEndOfFile(let f, _, _, _), .trailingBytes(let f, _, _), .reservedTensorName(let f, _):
            return f
        }
    }
}

extension SafetensorsError: CustomStringConvertible {
    public var description: String {
        func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        switch self {
        case let .fileTooSmall(f, size):
            return "\(f): not a safetensors file: \(size) bytes is shorter than the 8-byte header length"
        case let .headerTooLarge(f, n):
            return "\(f): header length \(n) bytes exceeds the 100 MB limit"
        case let .headerPastEndOfFile(f, n, size):
            return "\(f): header length \(n) bytes runs past the end of the \(size)-byte file"
        case let .headerNotUTF8(f, off):
            return "\(f): header is not valid UTF-8 (bad byte at header offset \(off))"
        case let .headerNotJSON(f, d):
            return "\(f): header is not valid JSON: \(d)"
        case let .headerExceedsLimits(f, d):
            return "\(f): header goes past the limits for untrusted headers: \(d)"
        case let .headerNotObject(f, found):
            return "\(f): header must be a JSON object, found \(found)"
        case let .metadataNotObject(f, found):
            return "\(f): __metadata__ must be an object of strings, found \(found)"
        case let .metadataValueNotString(f, key, found):
            return "\(f): __metadata__ value for '\(key)' must be a string, found \(found)"
        case let .duplicateMetadataKey(f, key):
            return "\(f): __metadata__ key '\(key)' appears more than once"
        case let .duplicateTensorName(f, t):
            return "\(f): tensor '\(t)' is declared more than once in the header"
        case let .tensorEntryNotObject(f, t, found):
            return "\(f): tensor '\(t)': entry must be an object, found \(found)"
        case let .missingField(f, t, field):
            return "\(f): tensor '\(t)': missing or null field '\(field)'"
        case let .unknownDType(f, t, d):
            return "\(f): tensor '\(t)': unknown dtype \(d)"
        case let .invalidShape(f, t, d):
            return "\(f): tensor '\(t)': invalid shape: \(d)"
        case let .invalidOffsets(f, t, d):
            return "\(f): tensor '\(t)': invalid data_offsets: \(d)"
        case let .sizeOverflow(f, t, s, d):
            return "\(f): tensor '\(t)': size of shape \(shapeText(s)) × \(d.rawValue) overflows"
        case let .notByteAligned(f, t, s, d):
            return "\(f): tensor '\(t)': shape \(shapeText(s)) of \(d.rawValue) does not end on a byte boundary"
        case let .byteCountMismatch(f, t, s, d, expected, declared):
            return
                "\(f): tensor '\(t)': data_offsets span \(declared) bytes but shape \(shapeText(s)) × \(d.rawValue) needs \(expected)"
        case let .invertedOffsets(f, t, s, e):
            return "\(f): tensor '\(t)': data_offsets end \(e) is before start \(s)"
        case let .gapBeforeTensor(f, t, exp, s):
            return
                "\(f): tensor '\(t)': starts at data offset \(s), leaving a gap of \(s - exp) unclaimed bytes after offset \(exp)"
        case let .overlappingTensors(f, t, prev, s, pe):
            return "\(f): tensor '\(t)': starts at data offset \(s), inside tensor '\(prev)' which ends at \(pe)"
        case let .dataPastEndOfFile(f, t, end, size):
            return
                "\(f): tensor '\(t)': data ends at data offset \(end), past the end of the \(size)-byte data section (file truncated?)"
        case let .trailingBytes(f, end, size):
            return
                "\(f): the tensors end at data offset \(end) but the data section has \(size) bytes: \(size - end) bytes belong to no tensor"
        case let .reservedTensorName(f, t):
            return "\(f): a tensor may not be named '\(t)'"
        }
    }
}
