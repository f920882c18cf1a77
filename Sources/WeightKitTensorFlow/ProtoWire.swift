/// A bounded reader of the protobuf wire format, for the few small messages of a tensor bundle
/// (`BundleHeaderProto`, `BundleEntryProto`, shapes, slices): every length is checked against the
/// bytes that remain, varints are at most 10 bytes, and unknown fields are skipped.
struct ProtoReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// What is wrong with the bytes, in words (the caller adds the file and the key).
    struct Malformed: Error { var detail: String }

    var atEnd: Bool { position >= bytes.count }

    mutating func varint() throws(Malformed) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<10 {
            guard position < bytes.count else { throw Malformed(detail: "varint runs past the end") }
            let b = bytes[position]
            position += 1
            v |= UInt64(b & 0x7F) << (7 * UInt64(i))
            if b & 0x80 == 0 { return v }
        }
        throw Malformed(detail: "varint longer than 10 bytes")
    }

    mutating func fixed32() throws(Malformed) -> UInt32 {
        guard bytes.count - position >= 4 else { throw Malformed(detail: "fixed32 runs past the end") }
        defer { position += 4 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian
    }

    mutating func lengthDelimited() throws(Malformed) -> UnsafeRawBufferPointer {
        let n = try varint()
        guard n <= UInt64(bytes.count - position) else {
            throw Malformed(detail: "a field of \(n) bytes runs past the end")
        }
        defer { position += Int(n) }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + Int(n))])
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func field() throws(Malformed) -> (number: Int, wireType: Int)? {
        guard !atEnd else { return nil }
        let key = try varint()
        guard key >> 3 > 0, key >> 3 < 1 << 29 else { throw Malformed(detail: "field number \(key >> 3)") }
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func skip(wireType: Int) throws(Malformed) {
        switch wireType {
        case 0: _ = try varint()
        case 1:
            guard bytes.count - position >= 8 else { throw Malformed(detail: "fixed64 runs past the end") };
            position += 8
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw Malformed(detail: "wire type \(wireType) is not supported")
        }
    }
}
