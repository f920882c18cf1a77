import FuzzSupport
import WeightKitVerification

/// Reference bundles (safetensors with inputs/outputs and metadata such as input.text).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "bundle.safetensors")
    if let b = try? ReferenceBundle(path: path) { _ = b.texts; _ = b.atol }
    return 0
}
