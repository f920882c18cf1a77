/// A value on the restricted unpickler's stack. Lists and dicts are references, as in Python,
/// because the memo can hand out the same one twice. Anything the rules build from an allowed
/// call or a persistent id (a storage, a tensor) is an `object`.
public enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global the rules allowed, named `module.qualname`; only the rules can call it.
    case global(String)
    case object(any PickleObject)

    /// A short description for error messages (never recursive).
    public var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a str"
        case .bytes: return "bytes"
        case .tuple(let t): return "a \(t.count)-tuple"
        case .list(let l): return "a list of \(l.items.count)"
        case .dict(let d): return "a dict of \(d.entries.count)"
        case .global(let g): return "the global \(g)"
        case .object(let o): return o.typeName
        }
    }

    /// Scalars as text (for metadata); nil for containers and objects.
    public var scalarText: String? {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let f): return String(f)
        case .string(let s): return s
        default: return nil
        }
    }
}

/// Something built by the rules (a storage, a tensor).
public protocol PickleObject: AnyObject {
    var typeName: String { get }
}

/// A pickled list, a reference type as in Python (APPENDS mutates the list on the stack).
public final class PickleList {
    public var items: [PickleValue] = []
    public init() {}
}

/// An insertion-ordered dict; a repeated key replaces the value in place, as Python's does.
public final class PickleDict {
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [String: Int] = [:]
    public init() {}

    /// Keys are str, int, bool or None (what state dicts and optimizer states use).
    func set(_ key: PickleValue, _ value: PickleValue) -> Bool {
        let k: String
        switch key {
        case .string(let s): k = "s" + s
        case .int(let i): k = "i" + String(i)
        case .bool(let b): k = b ? "i1" : "i0"
        case .none: k = "n"
        default: return false
        }
        if let i = index[k] { entries[i].value = value } else { index[k] = entries.count; entries.append((key, value)) }
        return true
    }
}
