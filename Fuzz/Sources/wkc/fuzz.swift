import FuzzSupport
import WeightKitCheckpoints

/// .wkc: header validation, then open, read every tensor and verify every checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard case .success = WKCHeader.validate(bytes, file: "input") else { return 0 }
    let path = FuzzInput.file(data, size, name: "input.wkc")
    if let c = try? WKCReader.open(path) {
        _ = c.verifyData()
        FuzzInput.readAll(c)
    }
    return 0
}
