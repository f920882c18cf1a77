/// A 2-D tensor [K, N] stored in one of oneDNN's blocked weight layouts, the family written
/// `BA{a1}a{b}b{a2}a`: the matrix cut into tiles of (a1·a2) rows × b columns, the tiles stored
/// column-block-major (the uppercase `BA`: all row tiles of the first b columns, then the next b
/// columns), and inside a tile `a1` groups of `a2` consecutive rows, each group's b columns with
/// their `a2` row values side by side (the pairs / quads a bf16 dot-product or VNNI instruction
/// reads). Rows and columns are zero-padded up to whole tiles. Element (r, c) is at
///
///     ((c / b) · tilesK + r / A) · A·b  +  ((r % A) / a2 · b + c % b) · a2  +  r % a2,   A = a1·a2
///
/// `BA16a64b2a` is what oneDNN 2.x's bf16 matmul picks on AVX-512, `BA16a64b4a` its int8 one
/// (Schemas/wkc-format.md). The tiles of consecutive column blocks are consecutive in memory, so
/// matrices with the same K whose N is a multiple of b, stored back to back, are one matrix of
/// their summed N.
public struct BlockedLayout: Sendable, Hashable, CustomStringConvertible {
    public let a1: Int
    public let b: Int
    public let a2: Int
    /// Rows per tile (a1·a2).
    public var rowsPerTile: Int { a1 * a2 }

    /// Parses `BA{a1}a{b}b{a2}a`; nil for anything else (each factor 1…256).
    public init?(tag: String) {
        let u = Array(tag.utf8)
        guard u.count > 5, u[0] == UInt8(ascii: "B"), u[1] == UInt8(ascii: "A") else { return nil }
        var i = 2
        func number(then letter: Character) -> Int? {
            var v = 0, digits = 0
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39, digits < 4 {
                v = v * 10 + Int(u[i] - 0x30); i += 1; digits += 1
            }
            guard digits > 0, digits < 4, i < u.count, u[i] == letter.asciiValue!, (1...256).contains(v) else {
                return nil
            }
            i += 1
            return v
        }
        guard let a1 = number(then: "a"), let b = number(then: "b"), let a2 = number(then: "a"), i == u.count else {
            return nil
        }
        self.init(a1: a1, b: b, a2: a2)
    }

    public init(a1: Int, b: Int, a2: Int) {
        precondition(a1 > 0 && b > 0 && a2 > 0, "blocked layout factors must be positive")
        (self.a1, self.b, self.a2) = (a1, b, a2)
    }

    public var description: String { "BA\(a1)a\(b)b\(a2)a" }

    /// K and N rounded up to whole tiles.
    public func paddedShape(rows k: Int, cols n: Int) -> (rows: Int, cols: Int) {
        let A = rowsPerTile
        return ((k + A - 1) / A * A, (n + b - 1) / b * b)
    }

    /// Bytes a [k, n] matrix of `elementSize`-byte elements takes; nil on overflow.
    public func byteCount(rows k: Int, cols n: Int, elementSize: Int) -> Int? {
        guard k >= 0, n >= 0 else { return nil }
        let (pk, pn) = paddedShape(rows: k, cols: n)
        let (e, o1) = pk.multipliedReportingOverflow(by: pn)
        let (bytes, o2) = e.multipliedReportingOverflow(by: elementSize)
        return o1 || o2 ? nil : bytes
    }

    /// Element index of (r, c) in the blocked storage of a matrix with `k` rows.
    @inline(__always)
    public func index(row r: Int, col c: Int, rows k: Int) -> Int {
        let A = rowsPerTile, tilesK = (k + A - 1) / A
        let ri = r % A
        return ((c / b) * tilesK + r / A) * A * b + (ri / a2 * b + c % b) * a2 + ri % a2
    }

    /// Writes row-major `plain` [k, n] (elements of `elementSize` bytes) into `packed` (zeroed
    /// first, `byteCount` bytes).
    public func pack(
        _ plain: UnsafeRawBufferPointer, rows k: Int, cols n: Int, elementSize es: Int,
        into packed: UnsafeMutableRawBufferPointer
    ) {
        precondition(plain.count >= k * n * es && packed.count >= byteCount(rows: k, cols: n, elementSize: es)!)
        packed.initializeMemory(as: UInt8.self, repeating: 0)
        copy(rows: k, cols: n, elementSize: es) { plainIndex, packedIndex in
            (packed.baseAddress! + packedIndex * es).copyMemory(
                from: plain.baseAddress! + plainIndex * es, byteCount: es)
        }
    }

    /// The inverse of `pack`: row-major [k, n] from the blocked bytes.
    public func unpack(
        _ packed: UnsafeRawBufferPointer, rows k: Int, cols n: Int, elementSize es: Int,
        into plain: UnsafeMutableRawBufferPointer
    ) {
        precondition(packed.count >= byteCount(rows: k, cols: n, elementSize: es)! && plain.count >= k * n * es)
        copy(rows: k, cols: n, elementSize: es) { plainIndex, packedIndex in
            (plain.baseAddress! + plainIndex * es).copyMemory(
                from: packed.baseAddress! + packedIndex * es, byteCount: es)
        }
    }

    /// Calls `body(plain index, packed index)` for every element, walking the plain matrix a row
    /// at a time (the column offset within a tile advances by a2 per column).
    @inline(__always)
    func copy(rows k: Int, cols n: Int, elementSize: Int, _ body: (Int, Int) -> Void) {
        let A = rowsPerTile, tilesK = (k + A - 1) / A, tile = A * b
        for r in 0..<k {
            let ri = r % A
            let rowPart = (r / A) * tile + (ri / a2 * b) * a2 + ri % a2
            for c0 in stride(from: 0, to: n, by: b) {
                let base = (c0 / b) * tilesK * tile + rowPart
                for j in 0..<min(b, n - c0) { body(r * n + c0 + j, base + j * a2) }
            }
        }
    }
}
