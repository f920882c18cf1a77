import FuzzSupport
import WeightKitPyTorch

/// The restricted unpickler's opcode machine on arbitrary bytes, with rules shaped like torch's
/// (a few allowed globals, calls that build objects, persistent ids, BUILD on dicts).
final class Thing: PickleObject { var typeName: String { "a thing" } }

struct Rules: PickleRules {
    func global(module: String, name: String, offset: Int) throws -> PickleValue {
        guard module == "collections" || module == "torch" else { throw Refused() }
        return .global(module + "." + name)
    }
    func call(_ callable: String, arguments: [PickleValue], offset: Int) throws -> PickleValue {
        callable == "collections.OrderedDict" ? .dict(PickleDict()) : .object(Thing())
    }
    func persistentLoad(_ id: PickleValue, offset: Int) throws -> PickleValue { .object(Thing()) }
    func build(_ object: PickleValue, state: PickleValue, offset: Int) throws -> PickleValue {
        guard case .dict = object else { throw Refused() }
        return object
    }
}
struct Refused: Error {}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var u = RestrictedUnpickler()
    u.valueLimit = 1 << 20
    if let v = try? u.load(UnsafeRawBufferPointer(start: data, count: size), rules: Rules()) { _ = v.typeName }
    return 0
}
