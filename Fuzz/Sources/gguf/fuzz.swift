import FuzzSupport
import WeightKitCheckpoints
import WeightKitGGUF

/// GGUF: header, metadata of every value type (nested arrays included), tensor infos, offsets;
/// then every tensor read (block-quantised ones decoded), the tokenizer built from
/// `tokenizer.ggml.*`, and the deep check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.gguf")
    if let (_, c) = try? GGUFReader.open(path) {
        FuzzInput.readAll(c)
        _ = try? c.tokenizerFiles()
    }
    _ = try? GGUFReader.check(path, progress: nil)
    return 0
}
