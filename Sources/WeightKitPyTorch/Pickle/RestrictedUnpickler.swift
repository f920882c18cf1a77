/// What a restricted unpickler may do besides building plain data: which globals may be named,
/// what calling them makes, what a persistent id stands for, and what BUILD does. Every hook
/// either returns a value or throws; nothing is ever imported or executed.
public protocol PickleRules {
    /// The value for `GLOBAL module name`, or a thrown refusal naming it.
    func global(module: String, name: String, offset: Int) throws -> PickleValue
    /// `REDUCE`: the allowed global `callable` applied to `arguments`.
    func call(_ callable: String, arguments: [PickleValue], offset: Int) throws -> PickleValue
    /// `BINPERSID`.
    func persistentLoad(_ id: PickleValue, offset: Int) throws -> PickleValue
    /// `BUILD`: `state` applied to `object`; returns the object that stays on the stack.
    func build(_ object: PickleValue, state: PickleValue, offset: Int) throws -> PickleValue
}

/// A pickle interpreter that understands protocols 2–5 as far as data needs: constants, ints,
/// floats, strings, bytes, tuples, lists, dicts, the memo, and — through `PickleRules` —
/// globals, REDUCE, BUILD and persistent ids. Object construction (`INST`, `OBJ`, `NEWOBJ`),
/// extension codes, sets and out-of-band buffers are refused outright.
///
/// Resource use is bounded by the input: strings and bytes are checked against the bytes that
/// remain before anything is allocated, the memo is a dictionary (an index of 2³² costs one
/// entry), and every value made counts against `valueLimit`.
public struct RestrictedUnpickler {
    /// What the unpickler throws: one case per rule (`PickleProblem`).
    public typealias Failure = PickleProblem

    /// Values pushed in one load. A state dict pushes about 20 per tensor, so 2 M allows some
    /// 100 k tensors; each value costs 24 bytes on the stack plus as much in its container, so
    /// this also bounds memory (about 150 MB at worst).
    public var valueLimit = 2_000_000

    public init() {}

    public func load(_ data: UnsafeRawBufferPointer, rules: some PickleRules) throws -> PickleValue {
        var p = 0
        let n = data.count
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        var made = 0
        var opStart = 0

        func need(_ k: Int) throws {
            guard k >= 0, n - p >= k else { throw Failure.truncated(offset: opStart, needed: k, remaining: n - p) }
        }
        func byte() throws -> UInt8 { try need(1); defer { p += 1 }; return data[p] }
        func le(_ k: Int) throws -> UInt64 {
            try need(k)
            var v: UInt64 = 0
            for i in 0..<k { v |= UInt64(data[p + i]) << (8 * UInt64(i)) }
            p += k
            return v
        }
        func bytes(_ count: UInt64) throws -> UnsafeRawBufferPointer {
            guard count <= UInt64(n - p) else {
                throw Failure.lengthPastEnd(offset: opStart, declared: count, remaining: n - p)
            }
            let k = Int(count)
            defer { p += k }
            return UnsafeRawBufferPointer(rebasing: data[p..<(p + k)])
        }
        func push(_ v: PickleValue) throws {
            made += 1
            if made > valueLimit { throw Failure.tooManyValues(offset: opStart, limit: valueLimit) }
            stack.append(v)
        }
        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw Failure.stackUnderflow(offset: opStart) }
            if let m = marks.last, stack.count < m { throw Failure.popAcrossMark(offset: opStart) }
            return v
        }
        func popMark() throws -> [PickleValue] { try popMark { Array($0) } }
        /// Hands the items above the last MARK to `body` in place (no intermediate copy of a long
        /// run of items), then drops them from the stack.
        func popMark<R>(_ body: (ArraySlice<PickleValue>) throws -> R) throws -> R {
            guard let m = marks.popLast() else { throw Failure.noMark(offset: opStart) }
            guard m <= stack.count else { throw Failure.markBeyondStack(offset: opStart) }
            let r = try body(stack[m...])
            stack.removeSubrange(m...)
            return r
        }
        func top() throws -> PickleValue {
            guard let v = stack.last else { throw Failure.emptyStack(offset: opStart) }
            if let m = marks.last, stack.count <= m { throw Failure.readAcrossMark(offset: opStart) }
            return v
        }
        func line() throws -> String {
            let limit = min(n, p + 512)
            var e = p
            while e < limit, data[e] != 0x0A { e += 1 }
            guard e < limit else { throw Failure.unterminatedLine(offset: opStart) }
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: data[p..<e]), as: UTF8.self)
            p = e + 1
            return s
        }
        func int(fromLittleEndian b: UnsafeRawBufferPointer) throws -> Int {
            guard b.count <= 8 else { throw Failure.integerTooWide(offset: opStart, bytes: b.count) }
            if b.isEmpty { return 0 }
            var v: UInt64 = 0
            for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
            if b.count < 8, b[b.count - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(b.count)) }
            return Int(bitPattern: UInt(v))
        }
        func setItems(_ dict: PickleValue, _ items: ArraySlice<PickleValue>) throws {
            guard case .dict(let d) = dict else {
                throw Failure.setItemsOnNonDict(offset: opStart, found: dict.typeName)
            }
            guard items.count % 2 == 0 else { throw Failure.oddSetItems(offset: opStart) }
            var i = items.startIndex
            while i < items.endIndex {
                guard d.set(items[i], items[i + 1]) else {
                    throw Failure.unhashableKey(offset: opStart, type: items[i].typeName)
                }
                i += 2
            }
        }
        func append(_ list: PickleValue, _ items: ArraySlice<PickleValue>) throws {
            guard case .list(let l) = list else { throw Failure.appendOnNonList(offset: opStart, found: list.typeName) }
            l.items.append(contentsOf: items)
        }
        func memoGet(_ i: Int) throws -> PickleValue {
            guard let v = memo[i] else { throw Failure.unknownMemo(offset: opStart, index: i) }
            return v
        }

        while true {
            opStart = p
            let op = try byte()
            switch op {
            case 0x80:  // PROTO
                let v = try byte()
                guard v >= 2 && v <= 5 else { throw Failure.unsupportedProtocol(offset: opStart, version: Int(v)) }
            case 0x95: _ = try le(8)  // FRAME: framing only
            case 0x2E:  // STOP
                guard marks.isEmpty else { throw Failure.stopWithOpenMark(offset: opStart) }
                guard stack.count == 1 else { throw Failure.stopWithStack(offset: opStart, count: stack.count) }
                return stack[0]
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: try push(try top())  // DUP
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try le(4))))))  // BININT
            case 0x4B: try push(.int(Int(try byte())))  // BININT1
            case 0x4D: try push(.int(Int(try le(2))))  // BININT2
            case 0x8A: try push(.int(try int(fromLittleEndian: try bytes(UInt64(try byte())))))  // LONG1
            case 0x8B: try push(.int(try int(fromLittleEndian: try bytes(try le(4)))))  // LONG4
            case 0x47:  // BINFLOAT, big-endian
                let v = try bytes(8)
                var bits: UInt64 = 0
                for x in v { bits = bits << 8 | UInt64(x) }
                try push(.float(Double(bitPattern: bits)))
            case 0x58: try push(.string(String(decoding: try bytes(try le(4)), as: UTF8.self)))  // BINUNICODE
            // SHORT_BINUNICODE
            case 0x8C: try push(.string(String(decoding: try bytes(UInt64(try byte())), as: UTF8.self)))
            case 0x8D: try push(.string(String(decoding: try bytes(try le(8)), as: UTF8.self)))  // BINUNICODE8
            case 0x54:  // BINSTRING (protocol 2 str of Python 2): signed length
                let len = Int32(bitPattern: UInt32(try le(4)))
                guard len >= 0 else { throw Failure.negativeLength(offset: opStart) }
                try push(.string(String(decoding: try bytes(UInt64(len)), as: UTF8.self)))
            // SHORT_BINSTRING
            case 0x55: try push(.string(String(decoding: try bytes(UInt64(try byte())), as: UTF8.self)))
            case 0x42: try push(.bytes([UInt8](try bytes(try le(4)))))  // BINBYTES
            case 0x43: try push(.bytes([UInt8](try bytes(UInt64(try byte())))))  // SHORT_BINBYTES
            case 0x8E: try push(.bytes([UInt8](try bytes(try le(8)))))  // BINBYTES8
            case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
            case 0x74: try push(.tuple(try popMark()))  // TUPLE
            case 0x85: let a = try pop(); try push(.tuple([a]))  // TUPLE1
            case 0x86: let b = try pop(); let a = try pop(); try push(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(); let b = try pop(); let a = try pop(); try push(.tuple([a, b, c]))  // TUPLE3
            case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
            case 0x6C: let l = PickleList(); l.items = try popMark(); try push(.list(l))  // LIST
            case 0x61: let v = try pop(); try append(try top(), [v][...])  // APPEND
            case 0x65:  // APPENDS: the list sits just below the MARK
                guard let m = marks.last, m > 0, m <= stack.count else {
                    throw Failure.appendsWithoutList(offset: opStart)
                }
                let list = stack[m - 1]
                try popMark { try append(list, $0) }
            case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64: let d = PickleValue.dict(PickleDict()); try popMark { try setItems(d, $0) }; try push(d)  // DICT
            case 0x73: let v = try pop(); let k = try pop(); try setItems(try top(), [k, v][...])  // SETITEM
            case 0x75:  // SETITEMS: the dict sits just below the MARK
                guard let m = marks.last, m > 0, m <= stack.count else {
                    throw Failure.setItemsWithoutDict(offset: opStart)
                }
                let dict = stack[m - 1]
                try popMark { try setItems(dict, $0) }
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                try push(try rules.global(module: module, name: name, offset: opStart))
            case 0x93:  // STACK_GLOBAL
                let nameV = try pop(), moduleV = try pop()
                guard case .string(let name) = nameV, case .string(let module) = moduleV else {
                    throw Failure.stackGlobalNotStrings(offset: opStart)
                }
                try push(try rules.global(module: module, name: name, offset: opStart))
            case 0x52:  // REDUCE
                let args = try pop(), callable = try pop()
                guard case .global(let g) = callable else {
                    throw Failure.reduceOfNonGlobal(offset: opStart, found: callable.typeName)
                }
                guard case .tuple(let a) = args else {
                    throw Failure.reduceArgumentsNotTuple(offset: opStart, global: g, found: args.typeName)
                }
                try push(try rules.call(g, arguments: a, offset: opStart))
            case 0x62:  // BUILD
                let state = try pop(), object = try pop()
                try push(try rules.build(object, state: state, offset: opStart))
            case 0x51:  // BINPERSID
                let id = try pop()
                try push(try rules.persistentLoad(id, offset: opStart))
            case 0x71: memo[Int(try byte())] = try top()  // BINPUT
            case 0x72: memo[Int(try le(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68: try push(try memoGet(Int(try byte())))  // BINGET
            case 0x6A: try push(try memoGet(Int(try le(4))))  // LONG_BINGET
            default:
                throw Failure.forbiddenOpcode(offset: opStart, opcode: Self.describe(op))
            }
        }
    }

    /// Names of the opcodes that are refused, for the error message.
    static func describe(_ op: UInt8) -> String {
        let names: [UInt8: String] = [
            0x69: "INST", 0x6F: "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
            0x50: "PERSID", 0x49: "INT", 0x4C: "LONG", 0x46: "FLOAT", 0x53: "STRING", 0x56: "UNICODE",
            0x70: "PUT", 0x67: "GET", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
            0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
        ]
        let hex = "0x" + String(op, radix: 16, uppercase: true)
        if let name = names[op] { return "\(name) (\(hex))" }
        return hex
    }
}
