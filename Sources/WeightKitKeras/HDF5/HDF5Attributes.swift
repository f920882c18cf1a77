import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An attribute's value, in the forms Keras and h5py write.
enum HDF5AttributeValue: Equatable {
    /// Variable- or fixed-length strings (a scalar string is a one-element list).
    case strings([String])
    /// Numbers; Keras writes an empty float64 array for a layer with no weights.
    case numbers([Double])
    case unsupported(String)

    var strings: [String]? {
        switch self {
        case .strings(let s): return s
        case .numbers(let n) where n.isEmpty: return []
        default: return nil
        }
    }
}

enum HDF5Attributes {
    /// Attributes larger than this many elements are refused (no file needs them; a hostile one
    /// could declare billions).
    static let maximumElements = 10_000_000

    /// Must be called inside `HDF5.locked`.
    static func exists(_ object: hid_t, _ name: String) -> Bool { H5Aexists(object, name) > 0 }

    /// Must be called inside `HDF5.locked`. Nil when the attribute does not exist.
    static func read(_ object: hid_t, _ name: String) throws(HDF5ReadError) -> HDF5AttributeValue? {
        guard H5Aexists(object, name) > 0 else { return nil }
        guard let attr = HDF5Handle(H5Aopen(object, name, wk_h5p_default()), .attribute),
            let type = HDF5Handle(H5Aget_type(attr.id), .datatype),
            let space = HDF5Handle(H5Aget_space(attr.id), .dataspace)
        else {
            throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
        }
        let count = Int(H5Sget_simple_extent_npoints(space.id))
        guard count >= 0, count <= maximumElements else {
            throw HDF5ReadError(object: "@" + name, message: "attribute declares \(count) elements")
        }
        switch H5Tget_class(type.id) {
        case H5T_STRING:
            if H5Tis_variable_str(type.id) > 0 {
                guard let mem = HDF5Handle(H5Tcopy(wk_h5t_c_s1()), .datatype) else {
                    throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
                }
                H5Tset_size(mem.id, wk_h5t_variable())
                H5Tset_cset(mem.id, H5Tget_cset(type.id))
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(count, 1))
                guard H5Aread(attr.id, mem.id, &pointers) >= 0 else {
                    throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
                }
                defer { for p in pointers { free(p) } }
                return .strings(pointers.prefix(count).map { $0.map { String(cString: $0) } ?? "" })
            }
            let size = H5Tget_size(type.id)
            guard size > 0, size < 1 << 20 else {
                throw HDF5ReadError(object: "@" + name, message: "string size \(size)")
            }
            guard let mem = HDF5Handle(H5Tcopy(wk_h5t_c_s1()), .datatype) else {
                throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
            }
            H5Tset_size(mem.id, size)
            H5Tset_strpad(mem.id, H5T_STR_NULLPAD)
            var bytes = [UInt8](repeating: 0, count: max(1, count * size))
            guard H5Aread(attr.id, mem.id, &bytes) >= 0 else {
                throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
            }
            return .strings(
                (0..<count).map { i in
                    let piece = bytes[(i * size)..<((i + 1) * size)]
                    let end = piece.firstIndex(of: 0) ?? piece.endIndex
                    return String(decoding: bytes[(i * size)..<end], as: UTF8.self)
                })
        case H5T_FLOAT, H5T_INTEGER:
            var values = [Double](repeating: 0, count: max(count, 1))
            if count > 0 {
                guard H5Aread(attr.id, wk_h5t_native_double(), &values) >= 0 else {
                    throw HDF5ReadError(object: "@" + name, message: HDF5.takeError())
                }
            }
            return .numbers(Array(values.prefix(count)))
        default:
            return .unsupported("HDF5 type class \(H5Tget_class(type.id).rawValue)")
        }
    }

    /// A list attribute that Keras may have split into `name0`, `name1`, … (fixed-length pieces).
    static func readList(_ object: hid_t, _ name: String) throws(HDF5ReadError) -> [String]? {
        if let v = try read(object, name) {
            guard let s = v.strings else {
                throw HDF5ReadError(object: "@" + name, message: "expected a list of strings")
            }
            return s
        }
        guard exists(object, name + "0") else { return nil }
        var all: [String] = []
        var k = 0
        while let v = try read(object, name + String(k)) {
            guard let s = v.strings else {
                throw HDF5ReadError(object: "@\(name)\(k)", message: "expected a list of strings")
            }
            all += s
            k += 1
        }
        return all
    }
}

/// A libhdf5 failure on one object.
struct HDF5ReadError: Error {
    var object: String
    var message: String
}
