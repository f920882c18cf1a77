import Foundation
import Testing
import WeightKitCheckpoints
@testable import WeightKitPyTorch

/// Rules that allow no global, no call, no persistent id: plain data only.
struct DataOnly: PickleRules {
    func global(module: String, name: String, offset: Int) throws -> PickleValue {
        throw TorchFormatError.forbiddenGlobal(file: "test", offset: offset, global: module + "." + name)
    }
    func call(_ callable: String, arguments: [PickleValue], offset: Int) throws -> PickleValue {
        throw TorchFormatError.pickleRule(file: "test", offset: offset, rule: .typeTagCalled(callable: "call"))
    }
    func persistentLoad(_ id: PickleValue, offset: Int) throws -> PickleValue {
        throw TorchFormatError.pickleRule(file: "test", offset: offset, rule: .malformedPersistentID(found: "pid"))
    }
    func build(_ object: PickleValue, state: PickleValue, offset: Int) throws -> PickleValue {
        throw TorchFormatError.pickleRule(
            file: "test", offset: offset, rule: .buildNotAllowed(object: "build", state: "test"))
    }
}

func unpickle(_ bytes: [UInt8], limit: Int? = nil) throws -> PickleValue {
    var u = RestrictedUnpickler()
    if let limit { u.valueLimit = limit }
    return try bytes.withUnsafeBytes { try u.load($0, rules: DataOnly()) }
}

func failure(_ bytes: [UInt8], limit: Int? = nil) -> String? {
    do { _ = try unpickle(bytes, limit: limit); return nil } catch { return "\(error)" }
}

@Suite("Restricted unpickler: data only, bounded by its input")
struct RestrictedUnpicklerTests {
    let proto: [UInt8] = [0x80, 0x02]

    @Test("plain data round-trips: ints of every width, floats, strings, tuples, lists, dicts, memo")
    func data() throws {
        // {'a': [1, -2, 300, 70000, 2**40], 'b': (1.5, None, True)} written by hand, protocol 2.
        var p = proto + [0x7D, 0x71, 0x00, 0x28]
        p +=
            [0x58, 1, 0, 0, 0] + Array("a".utf8) + [
                0x5D, 0x28, 0x4B, 1, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x4D, 0x2C, 0x01,
                0x4A, 0x70, 0x11, 0x01, 0x00, 0x8A, 0x06, 0, 0, 0, 0, 0, 1, 0x65,
            ]
        p += [0x8C, 1] + Array("b".utf8) + [0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x4E, 0x88, 0x87]
        p += [0x75, 0x2E]
        guard case .dict(let d) = try unpickle(p) else { Issue.record("not a dict"); return }
        #expect(d.entries.count == 2)
        guard case .list(let l) = d.entries[0].value else { Issue.record("not a list"); return }
        #expect(l.items.compactMap { if case .int(let i) = $0 { i } else { nil } } == [1, -2, 300, 70000, 1 << 40])
        guard case .tuple(let t) = d.entries[1].value, case .float(let f) = t[0], case .none = t[1],
            case .bool(true) = t[2]
        else { Issue.record("tuple"); return }
        #expect(f == 1.5)
    }

    @Test("a string claiming 2^62 bytes is refused at once, before any allocation")
    func hugeString() {
        let p = proto + [0x8D] + [0, 0, 0, 0, 0, 0, 0, 0x40] + [0x2E]
        #expect(failure(p)?.contains("declares 4611686018427387904 bytes") == true)
    }

    @Test("an integer wider than 64 bits is refused")
    func wideInt() {
        #expect(
            failure(proto + [0x8A, 9] + [UInt8](repeating: 1, count: 9) + [0x2E])?.contains("does not fit in 64 bits")
                == true)
    }

    @Test("a list grown past the value limit by a long run of APPENDs stops with an error")
    func valueLimit() {
        var p = proto + [0x5D]
        for _ in 0..<1000 { p += [0x4B, 7, 0x61] }
        p += [0x2E]
        #expect(failure(p, limit: 100)?.contains("more than 100 values") == true)
        #expect(failure(p) == nil)
    }

    @Test("memo indexes cost one entry each, however large; reading an unset one is an error")
    func memo() {
        #expect(failure(proto + [0x4E, 0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]) == nil)
        #expect(failure(proto + [0x4E, 0x68, 0x05, 0x2E])?.contains("memo entry 5 was never stored") == true)
    }

    @Test("stack discipline: underflow, popping across a MARK, leftovers at STOP, a missing STOP")
    func stack() {
        #expect(failure(proto + [0x30, 0x2E])?.contains("underflow") == true)
        #expect(failure(proto + [0x4E, 0x28, 0x85, 0x2E])?.contains("across a MARK") == true)
        #expect(failure(proto + [0x4E, 0x4E, 0x2E])?.contains("2 values on the stack") == true)
        #expect(failure(proto + [0x4E])?.contains("truncated") == true)
    }

    static let refusedCases: [([UInt8], String)] = {
        var cases: [([UInt8], String)] = []
        cases.append(([0x63] + Array("os\nsystem\n".utf8) + [0x2E], "os.system"))
        cases.append(([0x8C, 2] + Array("os".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93, 0x2E], "os.system"))
        cases.append(([0x82, 1, 0x2E], "EXT1"))
        cases.append(([0x28, 0x69] + Array("os\nsystem\n".utf8) + [0x2E], "INST"))
        cases.append(([0x4E, 0x4E, 0x81, 0x2E], "NEWOBJ"))
        cases.append(([0x49] + Array("1\n".utf8) + [0x2E], "INT"))
        cases.append(([0x8F, 0x2E], "EMPTY_SET"))
        return cases
    }()

    @Test("object construction, extension codes, text opcodes and globals are refused by name", arguments: refusedCases)
    func refused(_ c: ([UInt8], String)) {
        #expect(failure(proto + c.0)?.contains(c.1) == true, "\(failure(proto + c.0) ?? "accepted")")
    }

    @Test("protocols outside 2...5 are refused")
    func protocols() {
        #expect(failure([0x80, 0x06, 0x4E, 0x2E])?.contains("protocol 6") == true)
    }

    @Test("a dict that contains itself, and a DAG of shared dicts, flatten in bounded time")
    func cycles() throws {
        // d = {}; d['self'] = d; d['w'] = 1
        let p =
            proto + [0x7D, 0x71, 0x00, 0x8C, 4] + Array("self".utf8) + [0x68, 0x00, 0x73, 0x8C, 1] + Array("w".utf8) + [
                0x4B, 1, 0x73, 0x2E,
            ]
        guard case .dict(let d) = try unpickle(p) else { Issue.record("not a dict"); return }
        var tensors: [(String, TorchTensor)] = []
        var meta: [String: String] = [:]
        try TorchReader.flatten(d, prefix: "", depth: 0, file: "t", tensors: &tensors, metadata: &meta, seen: [])
        #expect(meta == ["w": "1"])
        // 24 levels of d(i+1) = {a: d(i), b: d(i)}: 2^24 paths, but each dict is walked once.
        var shared = PickleDict()
        _ = shared.set(.string("leaf"), .int(1))
        for _ in 0..<24 {
            let up = PickleDict()
            _ = up.set(.string("a"), .dict(shared))
            _ = up.set(.string("b"), .dict(shared))
            shared = up
        }
        let start = Date()
        meta = [:]
        try TorchReader.flatten(shared, prefix: "", depth: 0, file: "t", tensors: &tensors, metadata: &meta, seen: [])
        #expect(meta.count == 1 && Date().timeIntervalSince(start) < 5)
        // Nesting deeper than the limit is an error, not a stack overflow.
        let nested = PickleDict()
        var cur = nested
        for _ in 0..<40 { let next = PickleDict(); _ = cur.set(.string("k"), .dict(next)); cur = next }
        #expect(throws: TorchFormatError.self) {
            try TorchReader.flatten(
                nested, prefix: "", depth: 0, file: "t", tensors: &tensors, metadata: &meta, seen: [])
        }
    }
}
