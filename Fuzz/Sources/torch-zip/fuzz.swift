import FuzzSupport
import WeightKitCheckpoints
import WeightKitPyTorch

/// torch.save zips: directory, restricted unpickler, tensor checks, strided and deflated views, CRCs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.pt")
    if let c = try? TorchReader.open(path, loadConfig: false) {
        FuzzInput.readAll(c)
        _ = c.verifyRecords()
    }
    return 0
}
