import WeightKitCheckpoints

/// Everything that can be wrong with a TensorFlow tensor bundle, one case per rule, each naming
/// the file and, where there is one, the tensor.
public enum TensorBundleError: Error, Sendable, Equatable, CustomStringConvertible {
    case index(file: String, detail: String)
    case badHeader(file: String, detail: String)
    case bigEndian(file: String)
    case badEntry(file: String, tensor: String, detail: String)
    case unsupportedDType(file: String, tensor: String, dtype: Int)
    case badSlices(file: String, tensor: String, detail: String)
    case missingShard(file: String, shard: String)
    case pastShard(file: String, tensor: String, shard: String, end: Int, size: Int)
    case sizeMismatch(file: String, tensor: String, stored: Int, expected: Int)
    case badChecksum(file: String, tensor: String, stored: UInt32, computed: UInt32)
    case badObjectGraph(file: String, detail: String)

    public var description: String {
        switch self {
        case let .index(f, d): return "\(f): not a readable tensor-bundle index: \(d)"
        case let .badHeader(f, d): return "\(f): bundle header: \(d)"
        case let .bigEndian(f):
            return "\(f): the bundle was written on a big-endian machine; only little-endian data is supported"
        case let .badEntry(f, t, d): return "\(f): tensor '\(t)': \(d)"
        case let .unsupportedDType(f, t, d): return "\(f): tensor '\(t)': TensorFlow dtype \(d) has no WeightKit dtype"
        case let .badSlices(f, t, d):
            return
                "\(f): tensor '\(t)' is stored in slices (a partitioned variable or a sharded save), and they cannot be assembled: \(d)"
        case let .missingShard(f, s): return "\(f): data shard '\(s)' does not exist"
        case let .pastShard(f, t, s, e, size):
            return "\(f): tensor '\(t)': ends at byte \(e) of shard '\(s)', which has \(size)"
        case let .sizeMismatch(f, t, stored, expected):
            return "\(f): tensor '\(t)': \(stored) bytes stored, \(expected) expected from its dtype and shape"
        case let .badObjectGraph(f, d):
            return "\(f): the object graph (_CHECKPOINTABLE_OBJECT_GRAPH) that names a TF2 bundle's tensors: \(d)"
        case let .badChecksum(f, t, s, c):
            return
                "\(f): tensor '\(t)': CRC32C mismatch (stored \(String(s, radix: 16)), computed \(String(c, radix: 16))): its bytes are corrupt"
        }
    }
}
