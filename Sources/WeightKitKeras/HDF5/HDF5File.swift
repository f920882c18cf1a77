import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints

/// What is known about one dataset before its bytes are touched.
struct HDF5DatasetInfo {
    var path: String
    var dtype: DType
    var shape: [Int]
    var byteCount: Int
    /// File offset of the raw bytes when they are stored contiguously, unfiltered and
    /// little-endian: then they can be used in place from the mapped file (or in-memory image).
    var contiguousOffset: Int?
}

/// An HDF5 file opened read-only through libhdf5, from disk or from an in-memory image, with its
/// bytes also mapped so that contiguous datasets are read in place.
final class HDF5File: ResidentPagesReleasing, ViewOwning, @unchecked Sendable {
    let path: String
    let handle: HDF5Handle
    /// The file's bytes (a `MappedFile` or an `OwnedBytes` image), for zero-copy tensor views.
    let bytes: UnsafeRawBufferPointer
    let owner: AnyObject
    /// Views of contiguous datasets are views of the mapped file (so a conversion can copy them
    /// inside the kernel, see `TensorView.mappedFileRange`).
    var underlyingOwner: AnyObject { owner }

    /// HDF5 files start with this signature, at offset 0 or at 512, 1024, 2048, … (a user block).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Diagnostic switch for benchmarks: WEIGHTKIT_HDF5_READ=1 reads every dataset through
    /// H5Dread instead of viewing contiguous ones in place.
    static let forceRead: Bool = getenv("WEIGHTKIT_HDF5_READ").map { String(cString: $0) == "1" } ?? false

    static func hasSignature(_ b: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset + 8 <= b.count {
            if signature.indices.allSatisfy({ b[offset + $0] == signature[$0] }) { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }

    /// Opens a file on disk; `displayName` is what errors call it (for a file extracted from an
    /// archive, the archive's name).
    init(path: String, displayName: String? = nil) throws {
        let name = displayName ?? path
        let file = try MappedFile(path: path)
        guard HDF5File.hasSignature(file.bytes) else { throw KerasCheckpointError.notHDF5(file: name) }
        let (id, message) = try HDF5.locked {
            let id = H5Fopen(path, wk_h5f_acc_rdonly(), wk_h5p_default())
            return (id, id < 0 ? HDF5.takeError() : "")
        }
        guard let h = HDF5Handle(id, .file) else {
            throw KerasCheckpointError.hdf5(file: name, object: "/", message: message)
        }
        self.path = name
        self.handle = h
        self.bytes = file.bytes
        self.owner = file
    }

    func releaseResidentPages(offset: Int, count: Int) {
        (owner as? MappedFile)?.releaseResidentPages(offset: offset, count: count)
    }

    // MARK: structure (call inside HDF5.locked)

    /// 1 group, 2 dataset, 0 missing / other.
    func kind(_ path: String) -> Int32 { wk_h5_kind(handle.id, path) }

    /// Names of the links in a group, in HDF5's name order.
    func children(_ group: String) throws -> [String] {
        guard let g = HDF5Handle(wk_h5g_open(handle.id, group), .group) else {
            throw KerasCheckpointError.hdf5(file: path, object: group, message: HDF5.takeError())
        }
        var info = H5G_info_t()
        guard H5Gget_info(g.id, &info) >= 0 else {
            throw KerasCheckpointError.hdf5(file: path, object: group, message: HDF5.takeError())
        }
        guard info.nlinks < 10_000_000 else {
            throw KerasCheckpointError.hdf5(file: path, object: group, message: "\(info.nlinks) links")
        }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, wk_h5p_default())
            guard n >= 0 else { throw KerasCheckpointError.hdf5(file: path, object: group, message: HDF5.takeError()) }
            guard n < 1 << 16 else {
                throw KerasCheckpointError.unsafeHDF5(file: path, detail: "a link name of \(n) bytes in '\(group)'")
            }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, wk_h5p_default())
            let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            // A corrupt symbol table makes libhdf5 copy a name past its end: what comes back is
            // not text. Names Keras and Hugging Face write are valid UTF-8 without control characters.
            guard let name = String(validating: bytes, as: UTF8.self),
                !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else {
                throw KerasCheckpointError.unsafeHDF5(
                    file: path, detail: "a link name in '\(group)' is not text (\(bytes.count) bytes)")
            }
            names.append(name)
        }
        return names
    }

    func attribute(_ object: String, _ name: String) throws -> HDF5AttributeValue? {
        guard let o = HDF5Handle(H5Oopen(handle.id, object, wk_h5p_default()), .object) else {
            throw KerasCheckpointError.hdf5(file: path, object: object, message: HDF5.takeError())
        }
        do { return try HDF5Attributes.read(o.id, name) } catch {
            throw KerasCheckpointError.hdf5(file: path, object: object + "/" + error.object, message: error.message)
        }
    }

    func listAttribute(_ object: String, _ name: String) throws -> [String]? {
        guard let o = HDF5Handle(H5Oopen(handle.id, object, wk_h5p_default()), .object) else {
            throw KerasCheckpointError.hdf5(file: path, object: object, message: HDF5.takeError())
        }
        do { return try HDF5Attributes.readList(o.id, name) } catch {
            throw KerasCheckpointError.hdf5(file: path, object: object + "/" + error.object, message: error.message)
        }
    }

    /// Type, shape and storage of a dataset.
    func datasetInfo(_ dpath: String) throws -> HDF5DatasetInfo {
        guard let d = HDF5Handle(wk_h5d_open(handle.id, dpath), .dataset),
            let type = HDF5Handle(H5Dget_type(d.id), .datatype),
            let space = HDF5Handle(H5Dget_space(d.id), .dataspace)
        else {
            throw KerasCheckpointError.hdf5(file: path, object: dpath, message: HDF5.takeError())
        }
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        guard rank >= 0, rank <= 64 else {
            throw KerasCheckpointError.unsupportedDataset(file: path, dataset: dpath, reason: "rank \(rank)")
        }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { H5Sget_simple_extent_dims(space.id, &dims, nil) }
        let shape = dims.prefix(rank).map { Int($0) }
        let size = H5Tget_size(type.id)
        let dtype: DType
        switch H5Tget_class(type.id) {
        case H5T_FLOAT:
            switch size {
            case 2: dtype = .f16
            case 4: dtype = .f32
            case 8: dtype = .f64
            default:
                throw KerasCheckpointError.unsupportedDataset(file: path, dataset: dpath, reason: "\(size)-byte float")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type.id) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): dtype = .i8
            case (1, false): dtype = .u8
            case (2, true): dtype = .i16
            case (2, false): dtype = .u16
            case (4, true): dtype = .i32
            case (4, false): dtype = .u32
            case (8, true): dtype = .i64
            case (8, false): dtype = .u64
            default:
                throw KerasCheckpointError.unsupportedDataset(
                    file: path, dataset: dpath, reason: "\(size)-byte integer")
            }
        case H5T_ENUM where size == 1:
            dtype = .bool  // h5py's boolean: an enum over int8 {FALSE, TRUE}
        case H5T_OPAQUE where size == 2:
            dtype = .bf16  // Keras' bfloat16: a 2-byte opaque type (flagged by @dtype only in Keras 3 .weights.h5)
        default:
            throw KerasCheckpointError.unsupportedDataset(
                file: path, dataset: dpath, reason: "HDF5 type class \(H5Tget_class(type.id).rawValue), \(size) bytes")
        }
        guard let count = elementCount(of: shape), let bytes = dtype.byteCount(elements: count) else {
            throw KerasCheckpointError.unsupportedDataset(file: path, dataset: dpath, reason: "size overflows")
        }
        var offset: Int? = nil
        let bigEndian = H5Tget_class(type.id) != H5T_OPAQUE && size > 1 && H5Tget_order(type.id) == H5T_ORDER_BE
        if !HDF5File.forceRead, let plist = HDF5Handle(H5Dget_create_plist(d.id), .plist),
            H5Pget_layout(plist.id) == H5D_CONTIGUOUS, H5Pget_nfilters(plist.id) == 0, !bigEndian
        {
            let addr = H5Dget_offset(d.id)
            if addr != wk_haddr_undef(), addr < UInt64(Int.max), Int(addr) <= self.bytes.count - bytes {
                offset = Int(addr)
            } else if bytes == 0 {
                offset = 0
            }
        }
        return HDF5DatasetInfo(path: dpath, dtype: dtype, shape: shape, byteCount: bytes, contiguousOffset: offset)
    }

    /// Reads a dataset through H5Dread (chunked, compressed or big-endian storage), converted to
    /// the little-endian memory layout of its dtype.
    func readDataset(_ info: HDF5DatasetInfo) throws -> OwnedBytes {
        let out = OwnedBytes(count: info.byteCount)
        guard info.byteCount > 0 else { return out }
        try HDF5.locked {
            guard let d = HDF5Handle(wk_h5d_open(handle.id, info.path), .dataset),
                let type = HDF5Handle(H5Dget_type(d.id), .datatype)
            else {
                throw KerasCheckpointError.hdf5(file: path, object: info.path, message: HDF5.takeError())
            }
            let memType: HDF5Handle?
            if H5Tget_class(type.id) == H5T_OPAQUE || H5Tget_class(type.id) == H5T_ENUM {
                memType = HDF5Handle(H5Tcopy(type.id), .datatype)
            } else {
                memType = HDF5Handle(H5Tget_native_type(type.id, H5T_DIR_ASCEND), .datatype)
            }
            guard let memType,
                H5Dread(d.id, memType.id, wk_h5s_all(), wk_h5s_all(), wk_h5p_default(), out.buffer.baseAddress) >= 0
            else {
                throw KerasCheckpointError.hdf5(file: path, object: info.path, message: HDF5.takeError())
            }
        }
        return out
    }
}
