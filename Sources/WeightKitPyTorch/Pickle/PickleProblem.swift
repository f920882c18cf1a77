/// Every rule of the restricted unpickler, one case each, with the byte offset of the opcode that
/// broke it (`TorchFormatError.pickle` adds the file).
public enum PickleProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, remaining: Int)
    case lengthPastEnd(offset: Int, declared: UInt64, remaining: Int)
    case tooManyValues(offset: Int, limit: Int)
    case stackUnderflow(offset: Int)
    case popAcrossMark(offset: Int)
    case noMark(offset: Int)
    case markBeyondStack(offset: Int)
    case emptyStack(offset: Int)
    case readAcrossMark(offset: Int)
    case unterminatedLine(offset: Int)
    case integerTooWide(offset: Int, bytes: Int)
    case setItemsOnNonDict(offset: Int, found: String)
    case oddSetItems(offset: Int)
    case unhashableKey(offset: Int, type: String)
    case appendOnNonList(offset: Int, found: String)
    case unknownMemo(offset: Int, index: Int)
    case unsupportedProtocol(offset: Int, version: Int)
    case stopWithOpenMark(offset: Int)
    case stopWithStack(offset: Int, count: Int)
    case negativeLength(offset: Int)
    case appendsWithoutList(offset: Int)
    case setItemsWithoutDict(offset: Int)
    case stackGlobalNotStrings(offset: Int)
    case reduceOfNonGlobal(offset: Int, found: String)
    case reduceArgumentsNotTuple(offset: Int, global: String, found: String)
    case forbiddenOpcode(offset: Int, opcode: String)

    /// Where in the pickle: the offset of the opcode.
    public var offset: Int {
        switch self {
        case let .truncated(o, _, _), let .lengthPastEnd(o, _, _), let .tooManyValues(o, _), let .stackUnderflow(o),
            let .popAcrossMark(o), let .noMark(o), let .markBeyondStack(o), let .emptyStack(o), let .readAcrossMark(o),
            let .unterminatedLine(o), let .integerTooWide(o, _), let .setItemsOnNonDict(o, _), let .oddSetItems(o),
            let .unhashableKey(o, _), let .appendOnNonList(o, _), let .unknownMemo(o, _),
            let .unsupportedProtocol(o, _),
            let .stopWithOpenMark(o), let .stopWithStack(o, _), let .negativeLength(o), let .appendsWithoutList(o),
            let .setItemsWithoutDict(o), let .stackGlobalNotStrings(o), let .reduceOfNonGlobal(o, _),
            let .reduceArgumentsNotTuple(o, _, _), let .forbiddenOpcode(o, _):
            return o
        }
    }

    /// What is wrong, without the offset.
    public var detail: String {
        switch self {
        case let .truncated(_, k, r): return "truncated: needs \(k) more bytes, \(r) remain"
        case let .lengthPastEnd(_, d, r): return "declares \(d) bytes but only \(r) remain"
        case let .tooManyValues(_, l):
            return "more than \(l) values; refusing to go on (a weights pickle needs far fewer)"
        case .stackUnderflow: return "stack underflow"
        case .popAcrossMark: return "pops across a MARK"
        case .noMark: return "no MARK to pop to"
        case .markBeyondStack: return "MARK beyond the stack"
        case .emptyStack: return "empty stack"
        case .readAcrossMark: return "reads across a MARK"
        case .unterminatedLine: return "unterminated line (over 512 bytes or at the end)"
        case let .integerTooWide(_, b): return "an integer of \(b) bytes does not fit in 64 bits"
        case let .setItemsOnNonDict(_, f): return "SETITEM(S) on \(f)"
        case .oddSetItems: return "SETITEMS with an odd number of items"
        case let .unhashableKey(_, t): return "dict key of type \(t)"
        case let .appendOnNonList(_, f): return "APPEND(S) on \(f)"
        case let .unknownMemo(_, i): return "memo entry \(i) was never stored"
        case let .unsupportedProtocol(_, v): return "pickle protocol \(v) is not supported (2 to 5 are)"
        case .stopWithOpenMark: return "STOP with an open MARK"
        case let .stopWithStack(_, n): return "STOP with \(n) values on the stack (expected 1)"
        case .negativeLength: return "negative string length"
        case .appendsWithoutList: return "APPENDS without a list below its MARK"
        case .setItemsWithoutDict: return "SETITEMS without a dict below its MARK"
        case .stackGlobalNotStrings: return "STACK_GLOBAL needs two strings"
        case let .reduceOfNonGlobal(_, f): return "REDUCE calls \(f), not an allowed global"
        case let .reduceArgumentsNotTuple(_, g, f): return "REDUCE of \(g) with \(f) as arguments"
        case let .forbiddenOpcode(_, op): return "opcode \(op) is not allowed in a weights file"
        }
    }

    public var description: String { "data.pkl at byte \(offset): \(detail)" }
}
