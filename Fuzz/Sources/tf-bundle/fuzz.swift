import FuzzSupport
import WeightKitCheckpoints
import WeightKitTensorFlow

/// TensorFlow tensor bundles: the input is the `.index` (SSTable footer, blocks and their
/// checksums, entries, the wire-format header and entry protos), beside a fixed 64 KiB data
/// shard, opened with everything listed and then checked (every tensor's CRC32C).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.index")
    let shard = String(path.dropLast(6)) + ".data-00000-of-00001"
    if !FileSystem.exists(shard) {
        let zeros = [UInt8](repeating: 0, count: 64 << 10)
        zeros.withUnsafeBufferPointer { _ = FuzzInput.file($0.baseAddress!, $0.count, name: "input.data-00000-of-00001") }
    }
    if let c = try? TensorBundleReader.open(path, includeAll: true) { FuzzInput.readAll(c) }
    _ = try? TensorBundleReader.check(path, progress: nil)
    return 0
}
