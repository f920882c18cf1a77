/// A JSON document as parsed, keeping object keys in file order and keeping duplicates, so that
/// callers can report them (safetensors' reference reader silently collapses duplicate keys).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's lexeme exactly as written, so integers of any size and the difference
    /// between `1` and `1.0` survive.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func int(_ v: Int) -> JSONValue { .number(String(v)) }
    public static func double(_ v: Double) -> JSONValue {
        guard v.isFinite else { return .null }
        if v == v.rounded(), abs(v) < 1e15 { return .number(String(Int64(v))) }
        return .number("\(v)")
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// The value as an integer when it is written as one (no fraction, no exponent) and fits.
    public var intValue: Int? {
        guard case .number(let s) = self else { return nil }
        guard !s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(s)
    }

    public var doubleValue: Double? {
        guard case .number(let s) = self else { return nil }
        return Double(s)
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(let s):
            return s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "a non-integer number" : "an integer"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// A JSON object with its entries in document order. Lookup returns the first entry of a key.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var entries: [(key: String, value: JSONValue)]

    public init(_ entries: [(key: String, value: JSONValue)] = []) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        entries = elements.map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }

    /// Keys that occur more than once, each reported once, in order of their second occurrence.
    public func duplicateKeys() -> [String] {
        var seen = Set<String>(minimumCapacity: entries.count)
        var reported = Set<String>()
        var result: [String] = []
        for e in entries where !seen.insert(e.key).inserted {
            if reported.insert(e.key).inserted { result.append(e.key) }
        }
        return result
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue {
    /// A string → string object, e.g. safetensors `__metadata__`.
    public static func stringMap(_ map: [String: String]) -> JSONValue {
        .object(JSONObject(map.sorted(by: { $0.key < $1.key }).map { (key: $0.key, value: .string($0.value)) }))
    }
}
