import CISAL

/// CRC-32C (Castagnoli) through ISA-L, and TensorFlow's masking of stored CRCs.
enum CRC32C {
    /// The CRC-32C of `bytes`, continuing `crc` (the value of the bytes before them). ISA-L takes
    /// an `int` length, so tensors over 2 GiB go in 1 GiB pieces.
    static func value(_ bytes: UnsafeRawBufferPointer, extending crc: UInt32 = 0) -> UInt32 {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else { return crc }
        var state = ~crc, done = 0
        while done < bytes.count {
            let n = min(bytes.count - done, 1 << 30)
            state = crc32_iscsi(UnsafeMutablePointer(mutating: p + done), Int32(n), state)
            done += n
        }
        return state ^ 0xFFFF_FFFF
    }

    static func mask(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }
}

/// A LevelDB-style table as TensorFlow writes a bundle's `.index` (tensorflow/core/lib/io
/// `table_format.txt`): a 48-byte footer with the magic, an index block of handles to data blocks,
/// each block `contents ‖ type ‖ masked CRC32C`, entries prefix-compressed against the previous
/// key, restart points every few keys. Only uncompressed blocks are read (TensorFlow writes no
/// others); every block checksum is verified as it is read.
struct SSTable {
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    static let footerSize = 48

    /// Whether the bytes end with a table footer's magic.
    static func hasMagic(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count >= footerSize && b.loadUnaligned(fromByteOffset: b.count - 8, as: UInt64.self).littleEndian == magic
    }

    enum Problem: Error, Equatable {
        case tooShort(size: Int)
        case badMagic
        case badHandle(what: String, offset: UInt64, size: UInt64, fileSize: Int)
        case compressed(block: String, type: UInt8)
        case badChecksum(block: String, stored: UInt32, computed: UInt32)
        case badBlock(block: String, detail: String)
        case keysOutOfOrder(key: String)
    }

    /// Every (key, value) of the table, in order; values are slices of the mapped file.
    static func entries(_ b: UnsafeRawBufferPointer) throws(Problem) -> [(key: [UInt8], value: UnsafeRawBufferPointer)]
    {
        guard b.count >= footerSize else { throw .tooShort(size: b.count) }
        guard hasMagic(b) else { throw .badMagic }
        var footer = ProtoReader(UnsafeRawBufferPointer(rebasing: b[(b.count - footerSize)...]))
        do {
            _ = try footer.varint()
            _ = try footer.varint()  // the metaindex: TensorFlow writes it empty and never reads it
        } catch { throw .badBlock(block: "footer", detail: error.detail) }
        let indexHandle: (UInt64, UInt64)
        do { indexHandle = (try footer.varint(), try footer.varint()) } catch {
            throw .badBlock(block: "footer", detail: error.detail)
        }
        let index = try block(b, indexHandle, name: "index block")
        var out: [(key: [UInt8], value: UnsafeRawBufferPointer)] = []
        for (n, (_, handleBytes)) in try blockEntries(index, name: "index block").enumerated() {
            var h = ProtoReader(handleBytes)
            let handle: (UInt64, UInt64)
            do { handle = (try h.varint(), try h.varint()) } catch {
                throw .badBlock(block: "index block", detail: "handle \(n): \(error.detail)")
            }
            let data = try block(b, handle, name: "data block \(n)")
            for e in try blockEntries(data, name: "data block \(n)") {
                if let last = out.last, !last.key.lexicographicallyPrecedes(e.key) {
                    throw .keysOutOfOrder(key: String(decoding: e.key, as: UTF8.self))
                }
                out.append(e)
            }
        }
        return out
    }

    /// A block's contents, its trailer checked.
    static func block(_ b: UnsafeRawBufferPointer, _ h: (offset: UInt64, size: UInt64), name: String) throws(Problem)
        -> UnsafeRawBufferPointer
    {
        let limit = UInt64(b.count - footerSize)
        guard h.offset <= limit, h.size <= limit - h.offset, h.size + 5 <= limit - h.offset else {
            throw .badHandle(what: name, offset: h.offset, size: h.size, fileSize: b.count)
        }
        let start = Int(h.offset), n = Int(h.size)
        let contents = UnsafeRawBufferPointer(rebasing: b[start..<(start + n)])
        let type = b[start + n]
        let stored = b.loadUnaligned(fromByteOffset: start + n + 1, as: UInt32.self).littleEndian
        let computed = CRC32C.mask(CRC32C.value(UnsafeRawBufferPointer(rebasing: b[start..<(start + n + 1)])))
        guard stored == computed else { throw .badChecksum(block: name, stored: stored, computed: computed) }
        guard type == 0 else { throw .compressed(block: name, type: type) }
        return contents
    }

    /// The entries of one block, keys rebuilt from their shared prefixes.
    static func blockEntries(_ c: UnsafeRawBufferPointer, name: String) throws(Problem)
        -> [(key: [UInt8], value: UnsafeRawBufferPointer)]
    {
        guard c.count >= 4 else { throw .badBlock(block: name, detail: "\(c.count) bytes, too short for a block") }
        let restarts = Int(c.loadUnaligned(fromByteOffset: c.count - 4, as: UInt32.self).littleEndian)
        guard restarts <= (c.count - 4) / 4 else { throw .badBlock(block: name, detail: "\(restarts) restart points") }
        let end = c.count - 4 - 4 * restarts
        var r = ProtoReader(UnsafeRawBufferPointer(rebasing: c[0..<end]))
        var key: [UInt8] = []
        var out: [(key: [UInt8], value: UnsafeRawBufferPointer)] = []
        while !r.atEnd {
            do {
                let shared = Int(try r.varint()), unshared = try r.varint(), valueLength = try r.varint()
                guard shared <= key.count else {
                    throw ProtoReader.Malformed(detail: "shares \(shared) bytes of a \(key.count)-byte key")
                }
                guard unshared <= UInt64(end - r.position), valueLength <= UInt64(end - r.position) - unshared else {
                    throw ProtoReader.Malformed(detail: "an entry runs past the restart array")
                }
                let p = r.position
                key = Array(key[0..<shared]) + Array(c[p..<(p + Int(unshared))])
                let v = p + Int(unshared)
                out.append((key, UnsafeRawBufferPointer(rebasing: c[v..<(v + Int(valueLength))])))
                r = ProtoReader(UnsafeRawBufferPointer(rebasing: c[0..<end]), at: v + Int(valueLength))
            } catch let m as ProtoReader.Malformed { throw .badBlock(block: name, detail: m.detail) } catch {
                throw .badBlock(block: name, detail: "\(error)")
            }
        }
        return out
    }
}
