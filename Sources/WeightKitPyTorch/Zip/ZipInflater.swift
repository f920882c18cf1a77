import CWeightKitZlib
import WeightKitCheckpoints

/// Raw-deflate decompression of one zip member through zlib, into a buffer of exactly the
/// declared size: output beyond it, output short of it, or a CRC-32 mismatch is an error, so a
/// member that lies about its size cannot make us allocate or write more than it declared.
enum ZipInflater {
    static func inflate(
        _ input: UnsafeRawBufferPointer, expectedSize: Int, crc32 expectedCRC: UInt32,
        file: String, record: String
    ) throws(TorchFormatError) -> OwnedBytes {
        func fail(_ d: String) -> TorchFormatError { .badRecord(file: file, record: record, detail: d) }
        let out = OwnedBytes(count: expectedSize + 1)  // one spare byte detects output past the size
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var consumed = 0
        var status = Z_OK
        // zlib's counters are 32-bit: feed and drain in pieces.
        let piece = 1 << 30
        repeat {
            if stream.avail_in == 0, consumed < input.count {
                let n = min(piece, input.count - consumed)
                stream.next_in = UnsafeMutablePointer(
                    mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self) + consumed)
                stream.avail_in = uInt(n)
                consumed += n
            }
            let room = min(piece, expectedSize + 1 - produced)
            stream.next_out = out.buffer.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
            stream.avail_out = uInt(room)
            status = CWeightKitZlib.inflate(&stream, Z_NO_FLUSH)
            produced += room - Int(stream.avail_out)
            if produced > expectedSize {
                throw fail("inflates to more than the \(expectedSize) bytes the directory declares")
            }
            if status == Z_BUF_ERROR, stream.avail_in == 0, consumed == input.count { break }
        } while status == Z_OK
        guard status == Z_STREAM_END else {
            throw fail("is not valid deflate data (zlib status \(status)) or ends early")
        }
        guard produced == expectedSize else {
            throw fail("inflates to \(produced) bytes, not the \(expectedSize) the directory declares")
        }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: out.buffer[0..<produced]))
        guard crc == expectedCRC else {
            throw fail("CRC-32 \(Hex.padded(crc)) does not match the directory's \(Hex.padded(expectedCRC))")
        }
        return out
    }
}
