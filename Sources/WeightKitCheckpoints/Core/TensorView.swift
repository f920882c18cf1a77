/// A tensor's bytes, borrowed from wherever they live (usually a memory-mapped file). Creating
/// a view copies nothing; the view keeps its owner (the mapping) alive.
public struct TensorView: @unchecked Sendable {
    public let info: TensorInfo
    /// The raw little-endian, row-major bytes.
    public let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject

    public init(info: TensorInfo, bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.info = info
        self.bytes = bytes
        self.owner = owner
    }

    public var name: String { info.name }
    /// What keeps the bytes alive (a mapped file, a heap buffer, ...).
    public var storageOwner: AnyObject { owner }

    /// The storage at the bottom of any wrappers (renamed shard views, an HDF5 file over its mapping).
    private var rootOwner: AnyObject {
        var o: AnyObject = owner
        while let wrapper = o as? ViewOwning { o = wrapper.underlyingOwner }
        return o
    }
    public var dtype: DType { info.dtype }
    public var shape: [Int] { info.shape }
    public var elementCount: Int { info.elementCount }

    /// True when the bytes sit at an address suitable for reading elements of the dtype in place.
    public var isAligned: Bool {
        guard let p = bytes.baseAddress else { return true }
        return Int(bitPattern: p) % info.dtype.alignment == 0
    }

    /// Calls `body` with the elements as Float32. F32 data that is aligned is passed in place;
    /// anything else (another dtype, or misaligned bytes) is converted into a temporary buffer.
    public func withFloat32<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        if info.dtype == .f32, isAligned {
            return try body(
                UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: Float.self), count: elementCount))
        }
        let tmp = try float32Array()
        return try tmp.withUnsafeBufferPointer(body)
    }

    /// The elements converted to Float32 (a copy).
    public func float32Array() throws -> [Float] {
        guard info.dtype.isDecodableAsReal else { throw UnsupportedConversion(tensor: info.name, dtype: info.dtype) }
        let n = elementCount
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            ElementDecoding.decodeFloat32(bytes, dtype: info.dtype, into: out.baseAddress!, count: n)
            count = n
        }
    }

    /// After a streaming pass over this tensor: drops its pages from the resident set when they
    /// are part of a mapped file (no effect on copied data).
    public func releaseResidentPages() { releaseResidentPages(byteRange: 0..<bytes.count) }

    /// The same for a byte range of the tensor (whole pages inside it only).
    public func releaseResidentPages(byteRange: Range<Int>) {
        guard let storage = rootOwner as? ResidentPagesReleasing, let p = bytes.baseAddress,
            let base = storage.bytes.baseAddress,
            byteRange.lowerBound >= 0, byteRange.upperBound <= bytes.count
        else { return }
        let offset = p - base + byteRange.lowerBound
        guard offset >= 0, offset + byteRange.count <= storage.bytes.count else { return }
        storage.releaseResidentPages(offset: offset, count: byteRange.count)
    }

    /// A copy of the bytes.
    public func copyBytes() -> [UInt8] { [UInt8](bytes) }

    /// Where the bytes sit in a mapped file, when they are a view of one: its path and the offset.
    public var mappedFileRange: (path: String, offset: Int)? {
        guard let file = rootOwner as? MappedFile, let p = bytes.baseAddress, let base = file.bytes.baseAddress else {
            return nil
        }
        let offset = p - base
        guard offset >= 0, offset + bytes.count <= file.size else { return nil }
        return (file.path, offset)
    }
}

/// A tensor whose dtype cannot be read as the values asked for (an integer tensor as float32, say).
public struct UnsupportedConversion: Error, Sendable, CustomStringConvertible {
    public var tensor: String
    public var dtype: DType
    public var description: String {
        "tensor '\(tensor)': \(dtype.rawValue) elements cannot be converted to real numbers"
    }
}

/// Something that owns a heap buffer behind a `TensorView` (tensors that are not memory-mapped).
public final class OwnedBytes: @unchecked Sendable {
    public let buffer: UnsafeMutableRawBufferPointer
    public init(count: Int) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }
    deinit { buffer.deallocate() }
}

/// An owner that only keeps another owner alive (renamed views of composite checkpoints).
public protocol ViewOwning: AnyObject {
    var underlyingOwner: AnyObject { get }
}
