import FuzzSupport
import WeightKitCheckpoints
import WeightKitKeras

/// Keras / Hugging Face HDF5 through libhdf5: open (structure, attributes, layout) and read every dataset.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.h5")
    if let c = try? KerasReader.open(path, includeAll: true) { FuzzInput.readAll(c) }
    return 0
}
