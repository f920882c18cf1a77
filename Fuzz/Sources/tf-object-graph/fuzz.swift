import FuzzSupport
import WeightKitTensorFlow

/// The TF2 object graph (`TrackableObjectGraph`, stored in a bundle as `_CHECKPOINTABLE_OBJECT_GRAPH`):
/// decoded and walked breadth-first for every key's full name and object paths.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? TensorBundleReader.objectGraphNames(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
