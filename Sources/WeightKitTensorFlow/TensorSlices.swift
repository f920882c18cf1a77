import WeightKitCheckpoints

/// A tensor TensorFlow saved in slices — a TF1 partitioned variable, or a TF 2.21 sharded save
/// that cut a large tensor across data shards: the full entry lists the slices
/// (`TensorSliceProto`s), and each slice is an entry of its own under a key computed from the
/// tensor's key and the slice (tensorflow/core/util/saved_tensor_slice_util.cc
/// `EncodeTensorNameSlice`, with `OrderedCode`). The slices are checked to tile the tensor exactly
/// (no gap, no overlap) before anything is read, and assembled into a copy when it is.
struct TensorSlices: Sendable {
    /// One slice: where it sits in the full tensor and where its bytes are.
    struct Piece: Sendable {
        var start: [Int], length: [Int]
        var shard: Int, offset: Int, size: Int, crc: UInt32
        /// The slice entry's key, printable (for messages).
        var label: String
    }

    var pieces: [Piece]

    /// At most this many slices per tensor (TensorFlow writes a handful; the overlap check is quadratic).
    static let maxPieces = 4096

    /// `EncodeTensorNameSlice(name, slice)`: `NumIncreasing(0) ‖ String(name) ‖ NumIncreasing(rank)
    /// ‖ per dimension SignedNumIncreasing(start) ‖ SignedNumIncreasing(length, -1 for all)`.
    static func key(name: [UInt8], extents: [(start: Int, length: Int)]) -> [UInt8] {
        var out: [UInt8] = [0x00]
        for b in name {
            switch b {
            case 0x00: out += [0x00, 0xFF]
            case 0xFF: out += [0xFF, 0x00]
            default: out.append(b)
            }
        }
        out += [0x00, 0x01]
        numIncreasing(UInt64(extents.count), into: &out)
        for e in extents {
            signedNumIncreasing(Int64(e.start), into: &out)
            signedNumIncreasing(Int64(e.length), into: &out)
        }
        return out
    }

    /// OrderedCode's `WriteNumIncreasing`: a length byte, then the value's big-endian bytes.
    static func numIncreasing(_ v: UInt64, into out: inout [UInt8]) {
        var bytes: [UInt8] = []
        var x = v
        while x > 0 {
            bytes.insert(UInt8(x & 0xFF), at: 0)
            x >>= 8
        }
        out.append(UInt8(bytes.count))
        out += bytes
    }

    /// OrderedCode's `WriteSignedNumIncreasing`: the length in unary in the leading bits (one
    /// byte for −64 ≤ v < 64, up to ten), then the sign-extended big-endian value.
    static func signedNumIncreasing(_ v: Int64, into out: inout [UInt8]) {
        let x = UInt64(bitPattern: v < 0 ? ~v : v)
        if x < 64 {
            out.append(0x80 ^ UInt8(truncatingIfNeeded: v))
            return
        }
        let bits = 64 - x.leadingZeroBitCount  // Log2Floor(x) + 1
        let length = (bits + 7) / 7  // kBitsToLength: 7 value bits per byte of length
        let headers: [(UInt8, UInt8)] = [
            (0, 0), (0x80, 0), (0xC0, 0), (0xE0, 0), (0xF0, 0), (0xF8, 0), (0xFC, 0), (0xFE, 0), (0xFF, 0),
            (0xFF, 0x80), (0xFF, 0xC0),
        ]
        let sign: UInt8 = v < 0 ? 0xFF : 0
        var buffer = [UInt8](repeating: sign, count: 10)
        let big = UInt64(bitPattern: v).bigEndian
        withUnsafeBytes(of: big) { for i in 0..<8 { buffer[2 + i] = $0[i] } }
        var encoded = Array(buffer[(10 - length)...])
        encoded[0] ^= headers[length].0
        encoded[1] ^= headers[length].1
        out += encoded
    }

    /// Checks the slices against the full shape: each inside it, none overlapping, together
    /// covering every element. Returns what is wrong, or nil.
    static func tilingProblem(_ pieces: [Piece], shape: [Int]) -> String? {
        guard !pieces.isEmpty else { return "no slices listed" }
        guard pieces.count <= maxPieces else { return "\(pieces.count) slices (at most \(maxPieces) are read)" }
        var covered = 0
        for p in pieces {
            guard p.start.count == shape.count, p.length.count == shape.count else {
                return "slice '\(p.label)' has rank \(p.start.count), the tensor \(shape.count)"
            }
            for d in shape.indices where p.start[d] < 0 || p.length[d] < 0 || p.start[d] > shape[d] - p.length[d] {
                return
                    "slice '\(p.label)' dimension \(d): start \(p.start[d]), length \(p.length[d]) outside \(shape[d])"
            }
            guard let n = elementCount(of: p.length) else { return "slice '\(p.label)' is too large" }
            covered += n
        }
        for i in pieces.indices {
            for j in pieces.indices where j > i {
                let a = pieces[i], b = pieces[j]
                let disjoint = shape.indices.contains {
                    a.start[$0] + a.length[$0] <= b.start[$0] || b.start[$0] + b.length[$0] <= a.start[$0]
                }
                if !disjoint && shape.allSatisfy({ $0 > 0 }) {
                    return "slices '\(a.label)' and '\(b.label)' overlap"
                }
            }
        }
        let total = elementCount(of: shape) ?? -1
        guard covered == total else { return "the slices cover \(covered) of the tensor's \(total) elements" }
        return nil
    }

    /// Copies every slice's block into its place in a row-major buffer of the full tensor.
    func assemble(shape: [Int], elementSize: Int, files: [MappedFile], into out: UnsafeMutableRawBufferPointer) {
        let rank = shape.count
        var strides = [Int](repeating: elementSize, count: rank)
        if rank > 1 {
            for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        }
        for p in pieces {
            let src = files[p.shard].bytes(at: p.offset, count: p.size)
            guard rank > 0 else {
                out.copyMemory(from: src)
                continue
            }
            // Rows of the slice's last dimension are contiguous in both.
            let row = p.length[rank - 1] * elementSize
            let rows = p.length.dropLast().reduce(1, *)
            guard row > 0 else { continue }
            var index = [Int](repeating: 0, count: max(rank - 1, 0))
            for r in 0..<rows {
                var dst = p.start[rank - 1] * elementSize
                for d in 0..<(rank - 1) { dst += (p.start[d] + index[d]) * strides[d] }
                UnsafeMutableRawBufferPointer(rebasing: out[dst..<(dst + row)]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: src[(r * row)..<((r + 1) * row)]))
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    if index[d] < p.length[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
