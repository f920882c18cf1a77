/// Everything that can be wrong with a GGUF file, one case per rule, each naming the file and,
/// where there is one, the key or tensor.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    case badMagic(file: String)
    case bigEndian(file: String)
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, what: String, at: Int)
    case hostileCount(file: String, tensors: UInt64, keys: UInt64)
    case badKey(file: String, key: String, detail: String)
    case badTensor(file: String, tensor: String, detail: String)
    case pastEnd(file: String, tensor: String, end: Int, size: Int)

    public var description: String {
        switch self {
        case let .badMagic(f): return "\(f): not a GGUF file (no 'GGUF' magic)"
        case let .bigEndian(f): return "\(f): a big-endian GGUF; only little-endian files are read"
        case let .unsupportedVersion(f, v):
            return
                "\(f): GGUF version \(v); versions 2 and 3 are read (1 is obsolete; a huge number means another byte order)"
        case let .truncated(f, w, at): return "\(f): the file ends at byte \(at), inside \(w) (truncated?)"
        case let .hostileCount(f, t, k):
            return "\(f): the header claims \(t) tensors and \(k) metadata keys, more than any model has"
        case let .badKey(f, k, d): return "\(f): metadata '\(k)': \(d)"
        case let .badTensor(f, t, d): return "\(f): tensor '\(t)': \(d)"
        case let .pastEnd(f, t, e, s): return "\(f): tensor '\(t)' ends at byte \(e) of a \(s)-byte file (truncated?)"
        }
    }
}
