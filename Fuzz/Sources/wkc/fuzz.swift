import FuzzSupport
import WeightKitCheckpoints

/// .wkc: header validation, then open, read every tensor and verify every checksum. Half of the
/// inputs get their header CRC-32 recomputed first, so mutations of the header JSON reach the
/// parser and validator instead of all stopping at the checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if size > WKCFormat.prefixSize, bytes[size - 1] & 1 == 1 {
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[16 + i]) << (8 * UInt64(i)) }
        if length <= UInt64(size - WKCFormat.prefixSize) {
            let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[WKCFormat.prefixSize..<(WKCFormat.prefixSize + Int(length))])) }
            for i in 0..<4 { bytes[12 + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        }
    }
    let valid: Bool = bytes.withUnsafeBytes { b in
        if case .success = WKCHeader.validate(b, file: "input") { return true }
        return false
    }
    guard valid else { return 0 }
    let path = bytes.withUnsafeBufferPointer { FuzzInput.file($0.baseAddress!, size, name: "input.wkc") }
    if let c = try? WKCReader.open(path) {
        _ = c.verifyData()
        FuzzInput.readAll(c)
    }
    return 0
}
