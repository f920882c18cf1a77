extension JSONValue {
    /// Serialises the value. `indent` nil gives the compact form; otherwise pretty-printed with
    /// that many spaces per level.
    public func serialized(indent: Int? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let s): out += s
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line even when pretty-printing (shapes, offsets).
            let scalarOnly = items.allSatisfy {
                if case .array = $0 { return false }; if case .object = $0 { return false }; return true
            }
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += indent == nil || scalarOnly ? (indent == nil ? "," : ", ") : "," }
                if let indent, !scalarOnly { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent, !scalarOnly { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let obj):
            if obj.entries.isEmpty { out += "{}"; return }
            out += "{"
            for (i, e) in obj.entries.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                JSONValue.writeString(e.key, into: &out)
                out += indent == nil ? ":" : ": "
                e.value.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
