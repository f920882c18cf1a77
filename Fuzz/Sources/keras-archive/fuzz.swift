import FuzzSupport
import WeightKitCheckpoints
import WeightKitKeras

/// .keras zip archives: entry checks, extraction of model.weights.h5 and config.json, then the HDF5 reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.keras")
    if let c = try? KerasArchiveReader.open(path) { FuzzInput.readAll(c) }
    return 0
}
