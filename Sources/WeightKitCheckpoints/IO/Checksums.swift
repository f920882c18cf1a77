import CZlib
import CLibCrypto
import Dispatch

/// CRC-32 (the zlib / PNG / gzip polynomial) of a byte range. Large ranges are split over the
/// cores and the pieces joined with `crc32_combine`, so checking runs at memory bandwidth.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0, parallel: Bool = true) -> UInt32 {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return initial }
        let chunk = 8 << 20
        if !parallel || n < 2 * chunk {
            return update(initial, base, n)
        }
        let pieces = (n + chunk - 1) / chunk
        let partial = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: pieces)
        defer { partial.deallocate() }
        nonisolated(unsafe) let out = partial
        nonisolated(unsafe) let start0 = base
        DispatchQueue.concurrentPerform(iterations: pieces) { i in
            let start = i * chunk
            out[i] = update(0, start0 + start, min(chunk, n - start))
        }
        var crc = initial
        for i in 0..<pieces {
            let len = min(chunk, n - i * chunk)
            crc = UInt32(crc32_combine(uLong(crc), uLong(partial[i]), off_t(len)))
        }
        return crc
    }

    @inline(__always)
    static func update(_ crc: UInt32, _ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        var c = uLong(crc)
        var p = p
        var left = n
        while left > 0 {
            let step = min(left, 1 << 30)
            c = crc32(c, p, uInt(step))
            p += step
            left -= step
        }
        return UInt32(truncatingIfNeeded: c)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}

/// SHA-256 through OpenSSL's libcrypto (a system library, found by pkg-config). swift-crypto
/// was the first choice, but on Linux it links all of Foundation and ICU, which tripled the
/// start-up time of every `weightkit` command.
public enum SHA256Digest {
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("OpenSSL: EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { fatalError("OpenSSL: SHA-256 unavailable") }
        let step = 64 << 20
        var offset = 0
        while offset < bytes.count {
            let n = min(step, bytes.count - offset)
            _ = EVP_DigestUpdate(ctx, bytes.baseAddress! + offset, n)
            offset += n
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(ctx, $0.baseAddress, &length) }
        return digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
