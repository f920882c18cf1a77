import WeightKitCheckpoints

/// The central directory of a zip archive whose members are read in place — what `torch.save`
/// writes (miniz, every record stored uncompressed, data aligned to 64 bytes, ZIP64 when large).
/// Deflated members (an archive re-zipped by another tool; torch reads those too) are inflated
/// on demand into memory, see `ZipInflater`.
///
/// Written here rather than taken from ZIPFoundation because tensors must be *views* into the
/// mapped file: ZIPFoundation reads entries by copying them through a consumer closure and does
/// not expose where an entry's data starts. This parser reads only the end records, the central
/// directory and each used member's local header, and checks every offset against the file
/// before anything is touched.
public struct StoredZip: Sendable {
    /// One member of the central directory: name, method, sizes, CRC-32 and where its data starts.
    public struct Entry: Sendable {
        public var name: String
        /// 0 = stored; anything else is refused when the entry is read.
        public var method: UInt16
        public var flags: UInt16
        public var crc32: UInt32
        public var compressedSize: Int
        public var size: Int
        public var localHeaderOffset: Int
    }

    public let path: String
    public let entries: [Entry]
    private let byName: [String: Int]
    /// Where the central directory begins: member data must end before it.
    public let centralDirectoryOffset: Int

    /// Parses the directory of the zip held in `bytes` (a whole file).
    public init(bytes b: UnsafeRawBufferPointer, path: String) throws(TorchFormatError) {
        self.path = path
        func fail(_ what: String) -> TorchFormatError { .badZip(file: path, detail: what) }
        let n = b.count
        guard n >= 22 else { throw fail("\(n) bytes is too short for a zip archive") }
        // End of central directory: the last signature within the final 64 KiB + 22 bytes.
        var eocd = -1
        var i = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while i >= lowest {
            if Self.u32(b, i) == 0x0605_4b50, i + 22 + Int(Self.u16(b, i + 20)) == n { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record") }
        var count = Int(Self.u16(b, eocd + 10))
        var cdSize = Int(Self.u32(b, eocd + 12))
        var cdOffset = Int(Self.u32(b, eocd + 16))
        if Self.u16(b, eocd + 4) != 0 || Self.u16(b, eocd + 6) != 0 {
            throw fail("multi-disk archives are not supported")
        }
        // ZIP64: a locator just before the end record points at the ZIP64 end record.
        if eocd >= 20, Self.u32(b, eocd - 20) == 0x0706_4b50 {
            let at64 = Self.u64(b, eocd - 20 + 8)
            guard eocd >= 76, at64 <= UInt64(eocd - 76) else {
                throw fail("ZIP64 end record offset \(at64) is outside the file")
            }
            let r = Int(at64)
            guard Self.u32(b, r) == 0x0606_4b50 else {
                throw fail("ZIP64 locator does not point at a ZIP64 end record")
            }
            let c64 = Self.u64(b, r + 32), size64 = Self.u64(b, r + 40), off64 = Self.u64(b, r + 48)
            guard c64 <= UInt64(n), size64 <= UInt64(n), off64 <= UInt64(n) else {
                throw fail("ZIP64 end record declares sizes beyond the file")
            }
            count = Int(c64); cdSize = Int(size64); cdOffset = Int(off64)
        }
        guard cdOffset <= n, cdSize <= n - cdOffset else {
            throw fail("central directory (\(cdSize) bytes at \(cdOffset)) lies outside the file")
        }
        guard count <= cdSize / 46 else {
            throw fail("\(count) entries cannot fit in a \(cdSize)-byte central directory")
        }
        centralDirectoryOffset = cdOffset

        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var byName: [String: Int] = [:]
        var p = cdOffset
        let end = cdOffset + cdSize
        for k in 0..<count {
            guard end - p >= 46, Self.u32(b, p) == 0x0201_4b50 else {
                throw fail("central directory entry \(k) is malformed")
            }
            let flags = Self.u16(b, p + 8)
            let method = Self.u16(b, p + 10)
            let crc = Self.u32(b, p + 16)
            var csize = UInt64(Self.u32(b, p + 20))
            var usize = UInt64(Self.u32(b, p + 24))
            let nameLen = Int(Self.u16(b, p + 28)), extraLen = Int(Self.u16(b, p + 30)),
                commentLen = Int(Self.u16(b, p + 32))
            var offset = UInt64(Self.u32(b, p + 42))
            guard end - p - 46 >= nameLen + extraLen + commentLen else {
                throw fail("central directory entry \(k) runs past the directory")
            }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLen)]), as: UTF8.self)
            // ZIP64 extended information: the 8-byte values replace the saturated 32-bit ones, in order.
            var e = p + 46 + nameLen
            let extraEnd = e + extraLen
            while extraEnd - e >= 4 {
                let id = Self.u16(b, e), size = Int(Self.u16(b, e + 2))
                guard extraEnd - e - 4 >= size else { throw fail("entry '\(name)': extra field runs past its entry") }
                if id == 0x0001 {
                    var q = e + 4
                    func next() throws(TorchFormatError) -> UInt64 {
                        guard e + 4 + size - q >= 8 else { throw fail("entry '\(name)': ZIP64 extra field too short") }
                        defer { q += 8 }
                        return Self.u64(b, q)
                    }
                    if usize == 0xFFFF_FFFF { usize = try next() }
                    if csize == 0xFFFF_FFFF { csize = try next() }
                    if offset == 0xFFFF_FFFF { offset = try next() }
                }
                e += 4 + size
            }
            guard usize <= UInt64(n), csize <= UInt64(n), offset < UInt64(cdOffset) || (offset == 0 && count == 0)
            else {
                throw fail("entry '\(name)' declares sizes or an offset beyond the file")
            }
            if byName[name] != nil { throw fail("entry '\(name)' appears twice") }
            byName[name] = entries.count
            entries.append(
                Entry(
                    name: name, method: method, flags: flags, crc32: crc, compressedSize: Int(csize), size: Int(usize),
                    localHeaderOffset: Int(offset)))
            p += 46 + nameLen + extraLen + commentLen
        }
        self.entries = entries
        self.byName = byName
    }

    public func entry(named name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// The byte range of a member's data as it sits in the file (compressed, for a deflated one),
    /// after checking its local header agrees with the central directory and the data lies
    /// before the directory.
    public func dataRange(of entry: Entry, in b: UnsafeRawBufferPointer) throws(TorchFormatError) -> Range<Int> {
        func fail(_ what: String) -> TorchFormatError { .badRecord(file: path, record: entry.name, detail: what) }
        if entry.flags & 0x1 != 0 { throw fail("is encrypted") }
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else {
                throw fail("stored record declares \(entry.size) bytes but occupies \(entry.compressedSize)")
            }
        case 8:
            guard entry.size <= entry.compressedSize &* 1032 &+ 64 else {
                throw fail(
                    "claims to inflate \(entry.compressedSize) bytes to \(entry.size), beyond deflate's 1032:1 limit")
            }
        default: throw fail("uses compression method \(entry.method); only stored (0) and deflate (8) are read")
        }
        let h = entry.localHeaderOffset
        guard centralDirectoryOffset - h >= 30, Self.u32(b, h) == 0x0403_4b50 else {
            throw fail("has no local header at offset \(h)")
        }
        let nameLen = Int(Self.u16(b, h + 26)), extraLen = Int(Self.u16(b, h + 28))
        let start = h + 30 + nameLen + extraLen
        guard start <= centralDirectoryOffset, entry.compressedSize <= centralDirectoryOffset - start else {
            throw fail("data (\(entry.compressedSize) bytes) runs into the central directory")
        }
        let localName = UnsafeRawBufferPointer(rebasing: b[(h + 30)..<(h + 30 + nameLen)])
        guard localName.elementsEqual(entry.name.utf8) else {
            throw fail("local header names '\(String(decoding: localName, as: UTF8.self))'")
        }
        return start..<(start + entry.compressedSize)
    }

    /// A member's bytes: in place when stored, inflated (and CRC-checked) into memory when deflated.
    /// The bytes live as long as `owner` (nil: as long as the mapping); keep it alive while using them.
    public func contents(of entry: Entry, in b: UnsafeRawBufferPointer) throws(TorchFormatError) -> (
        bytes: UnsafeRawBufferPointer, owner: AnyObject?
    ) {
        let r = try dataRange(of: entry, in: b)
        let data = UnsafeRawBufferPointer(rebasing: b[r])
        if entry.method == 0 { return (data, nil) }
        let out = try ZipInflater.inflate(
            data, expectedSize: entry.size, crc32: entry.crc32, file: path, record: entry.name)
        return (UnsafeRawBufferPointer(rebasing: out.buffer[0..<entry.size]), out)
    }

    @inline(__always) static func u16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 {
        b.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian
    }
    @inline(__always) static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        b.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian
    }
    @inline(__always) static func u64(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt64 {
        b.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian
    }

    /// Whether the bytes begin like a zip archive (a local file header).
    public static func looksLikeZip(_ b: UnsafeRawBufferPointer) -> Bool { b.count >= 4 && u32(b, 0) == 0x0403_4b50 }
}
