/// A strict JSON (RFC 8259) parser over raw bytes.
///
/// Written here rather than taken from Foundation because WeightKit needs what JSONSerialization
/// does not give: duplicate keys kept (so they can be reported), number lexemes kept exactly,
/// a bounded nesting depth (hostile headers), and byte positions in errors.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var byteOffset: Int
    /// True when the JSON may be valid but goes past a `JSONParser.Limits` bound.
    public var exceedsLimit = false
    public var description: String { "\(message) at byte \(byteOffset)" }
}

/// A strict, bounded JSON parser for untrusted headers and configs (duplicate keys kept, depth and size limited).
public enum JSONParser {
    public static let maximumDepth = 128

    /// Bounds for parsing untrusted input: the nesting depth (no stack overflow) and the length
    /// of any one array (no allocation many times the input's size from `[0,0,0,…]`).
    public struct Limits: Sendable {
        public var maximumDepth: Int
        public var maximumArrayLength: Int
        public init(maximumDepth: Int = JSONParser.maximumDepth, maximumArrayLength: Int = .max) {
            self.maximumDepth = maximumDepth
            self.maximumArrayLength = maximumArrayLength
        }
    }

    /// Walks the members of a top-level object one at a time, handing each key and parsed value
    /// to `body` and keeping nothing, so memory stays bounded by the largest single member (and
    /// `limits`). Returns nil when the document is an object; otherwise the root value's type
    /// name ("an array", ...), parsed with the same limits.
    public static func forEachMember(
        of bytes: UnsafeRawBufferPointer, limits: Limits,
        _ body: (String, JSONValue) -> Void
    ) throws(JSONParseError) -> String? {
        var p = Parser(bytes: bytes)
        p.limits = limits
        p.skipWhitespace()
        guard p.peek() == UInt8(ascii: "{") else {
            let v = try p.parseValue(depth: 0)
            p.skipWhitespace()
            if p.index != bytes.count { throw p.error("unexpected data after the JSON value") }
            return v.typeName
        }
        p.index += 1
        p.skipWhitespace()
        if p.peek() == UInt8(ascii: "}") {
            p.index += 1
        } else {
            while true {
                p.skipWhitespace()
                guard p.peek() == UInt8(ascii: "\"") else { throw p.error("expected a string key") }
                let key = try p.parseString()
                p.skipWhitespace()
                guard p.peek() == UInt8(ascii: ":") else { throw p.error("expected ':' after key") }
                p.index += 1
                p.skipWhitespace()
                body(key, try p.parseValue(depth: 1))
                p.skipWhitespace()
                guard let c = p.peek() else { throw p.error("unexpected end of JSON in an object") }
                if c == UInt8(ascii: "}") { p.index += 1; break }
                if c != UInt8(ascii: ",") { throw p.error("expected ',' or '}' in an object") }
                p.index += 1
            }
        }
        p.skipWhitespace()
        if p.index != bytes.count { throw p.error("unexpected data after the JSON value") }
        return nil
    }

    /// Parses one JSON value surrounded by optional whitespace. The bytes must be valid UTF-8
    /// (check with `UTF8Validation.firstInvalidByte` first for a precise error).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var p = Parser(bytes: bytes)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.index != bytes.count { throw p.error("unexpected data after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { buf in try parse(buf) }
        } catch let e as JSONParseError {
            throw e
        } catch {
            throw JSONParseError(message: "\(error)", byteOffset: 0)
        }
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    var limits = JSONParser.Limits()

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, byteOffset: index) }
    func limitError(_ message: String) -> JSONParseError {
        JSONParseError(message: message, byteOffset: index, exceedsLimit: true)
    }

    @inline(__always) var atEnd: Bool { index >= bytes.count }
    @inline(__always) func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let n = literal.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw error("invalid literal") }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[index + i] != lit[i] { throw error("invalid literal") }
        index += n
        return value
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let c = peek() else { throw error("unexpected end of JSON") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(c))'")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > limits.maximumDepth { throw limitError("JSON nested deeper than \(limits.maximumDepth) levels") }
        index += 1
        var entries: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return .object(JSONObject(entries)) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            entries.append((key: key, value: value))
            skipWhitespace()
            guard let c = peek() else { throw error("unexpected end of JSON in an object") }
            index += 1
            if c == UInt8(ascii: "}") { return .object(JSONObject(entries)) }
            if c != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or '}' in an object") }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > limits.maximumDepth { throw limitError("JSON nested deeper than \(limits.maximumDepth) levels") }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            if items.count == limits.maximumArrayLength {
                throw limitError("array longer than \(limits.maximumArrayLength) elements")
            }
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard let c = peek() else { throw error("unexpected end of JSON in an array") }
            index += 1
            if c == UInt8(ascii: "]") { return .array(items) }
            if c != UInt8(ascii: ",") { index -= 1; throw error("expected ',' or ']' in an array") }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { throw error("invalid number") }
        if first == 0x30 {
            index += 1
            if let d = peek(), d >= 0x30, d <= 0x39 { throw error("leading zero in a number") }
        } else {
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid fraction") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid exponent") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            index += 1
        }
        return v
    }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in a string") }
            index += 1
        }
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") { index += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { throw error("control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); index += 1; continue }
            index += 1
            guard let e = peek() else { throw error("unterminated escape") }
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else {
                        throw error("lone surrogate in a \\u escape")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("lone surrogate in a \\u escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw error("invalid escape")
            }
        }
    }
}

/// Finds the first byte that breaks UTF-8 (overlong forms and surrogates included), for exact error offsets.
public enum UTF8Validation {
    /// Offset of the first byte that is not part of valid UTF-8, or nil when all is valid.
    public static func firstInvalidByte(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len: Int
            var minScalar: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF: len = 2; scalar = UInt32(c & 0x1F); minScalar = 0x80
            case 0xE0...0xEF: len = 3; scalar = UInt32(c & 0x0F); minScalar = 0x800
            case 0xF0...0xF4: len = 4; scalar = UInt32(c & 0x07); minScalar = 0x10000
            default: return i
            }
            guard i + len <= n else { return i }
            for k in 1..<len {
                let cc = b[i + k]
                guard cc & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            minScalar = 0
            i += len
        }
        return nil
    }
}
