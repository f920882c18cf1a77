import FuzzSupport
import WeightKitCheckpoints

/// safetensors: the header validator on raw bytes, then the full reader on the same bytes as a file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if case .success = SafetensorsHeader.validate(bytes, file: "input") {
        let path = FuzzInput.file(data, size, name: "input.safetensors")
        if let c = try? SafetensorsReader.open(path, loadConfig: false) { FuzzInput.readAll(c) }
    }
    return 0
}
