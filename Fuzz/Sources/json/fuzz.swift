import FuzzSupport
import WeightKitCheckpoints

/// The strict JSON parser (headers, indexes, configs, tokenizer files all go through it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let v = try? JSONParser.parse(UnsafeRawBufferPointer(start: data, count: size)) { _ = v.serialized() }
    return 0
}
