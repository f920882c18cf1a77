import FuzzSupport
import WeightKitCheckpoints
import WeightKitFormats

/// A shard index (safetensors, torch, Keras forms) beside two fixed valid shards.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ShardFixtures.ensure()
    let path = FuzzInput.file(data, size, name: "model.safetensors.index.json")
    if let c = try? Checkpoints.open(path) { FuzzInput.readAll(c) }
    return 0
}

enum ShardFixtures {
    nonisolated(unsafe) static var written = false
    /// Two small safetensors shards the index may name ("a.safetensors", "b.safetensors").
    static func ensure() {
        if written { return }
        written = true
        for (name, tensor) in [("a.safetensors", "x"), ("b.safetensors", "y")] {
            let header = "{\"\(tensor)\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
            var bytes = [UInt8](repeating: 0, count: 8)
            var n = UInt64(header.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { for i in 0..<8 { bytes[i] = $0[i] } }
            bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 8)
            _ = bytes.withUnsafeBufferPointer { FuzzInput.file($0.baseAddress!, $0.count, name: name) }
        }
    }
}
