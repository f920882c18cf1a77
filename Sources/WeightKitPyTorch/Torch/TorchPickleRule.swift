/// What the torch rules accept from the pickle's calls, persistent ids and BUILDs, one case per
/// rule (`TorchFormatError.pickleRule` adds the file and the offset).
public enum TorchPickleRule: Sendable, Equatable, CustomStringConvertible {
    case argumentNotInt(callable: String, argument: String, found: String)
    case argumentNotTuple(callable: String, argument: String, found: String)
    case tooManyDimensions(callable: String, argument: String, count: Int)
    case dimensionNotInt(callable: String, argument: String, found: String)
    case expectsTensor(callable: String, found: String)
    case orderedDictWithArguments
    case argumentCount(callable: String, count: Int)
    case notAStorage(callable: String, found: String)
    case unknownDType(callable: String, found: String)
    case backwardHooks(callable: String)
    case typeTagCalled(callable: String)
    case malformedPersistentID(found: String)
    case persistentStorageType(found: String)
    case persistentKey(found: String)
    case persistentSize(found: String)
    case buildNotAllowed(object: String, state: String)

    public var description: String {
        switch self {
        case let .argumentNotInt(c, a, f): return "\(c): \(a) must be an int, found \(f)"
        case let .argumentNotTuple(c, a, f): return "\(c): \(a) must be a tuple, found \(f)"
        case let .tooManyDimensions(c, a, n): return "\(c): \(a) has \(n) dimensions (at most 64)"
        case let .dimensionNotInt(c, a, f): return "\(c): \(a) holds \(f), not an int"
        case let .expectsTensor(c, f): return "\(c): expects a tensor, found \(f)"
        case .orderedDictWithArguments: return "OrderedDict called with arguments (only OrderedDict() is accepted)"
        case let .argumentCount(c, n): return "\(c) called with \(n) arguments"
        case let .notAStorage(c, f): return "\(c): first argument is \(f), not a storage"
        case let .unknownDType(c, f): return "\(c): dtype argument is \(f)"
        case let .backwardHooks(c): return "\(c): the tensor carries backward hooks"
        case let .typeTagCalled(c): return "\(c) cannot be called (it is only accepted as a type tag)"
        case let .malformedPersistentID(f): return "persistent id \(f) is not ('storage', type, key, location, size)"
        case let .persistentStorageType(f): return "persistent id names storage type \(f)"
        case let .persistentKey(f): return "persistent id key is \(f)"
        case let .persistentSize(f): return "persistent id size is \(f)"
        case let .buildNotAllowed(o, s): return "BUILD of \(o) with \(s) is not allowed"
        }
    }
}
