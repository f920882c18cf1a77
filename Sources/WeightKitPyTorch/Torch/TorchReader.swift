import WeightKitCheckpoints

/// Opens `torch.save` files (`pytorch_model.bin`, `.pt`, `.pth`) without Python and without
/// executing anything: the zip directory is parsed strictly, `data.pkl` goes through the
/// restricted unpickler with the torch rules, and every tensor is checked against its storage
/// before the checkpoint is returned.
public enum TorchReader {
    /// `data.pkl` larger than this is refused (a state dict of ten thousand tensors is ~1 MB).
    public static let maximumPickleBytes = 64 << 20
    /// Containers nested deeper than this are refused (state dicts nest two or three deep).
    static let maximumDepth = 32
    /// Non-tensor scalars kept as metadata (epoch numbers and the like); more are dropped.
    static let maximumScalars = 1000

    /// A zip archive with a `data.pkl` record at its top or one directory down — judged from the
    /// directory, or, when the directory is unreadable (a truncated file), from the first member,
    /// which torch.save always writes first.
    public static func isTorchArchive(_ file: MappedFile) -> Bool {
        let b = file.bytes
        guard StoredZip.looksLikeZip(b) else { return false }
        if let zip = try? StoredZip(bytes: b, path: file.path) { return pickleRecord(in: zip) != nil }
        guard b.count >= 30 else { return false }
        let nameLength = Int(StoredZip.u16(b, 26))
        guard b.count >= 30 + nameLength else { return false }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[30..<(30 + nameLength)]), as: UTF8.self)
        return isPickleRecordName(name)
    }

    static func isPickleRecordName(_ n: String) -> Bool {
        n == "data.pkl"
            || (n.hasSuffix("/data.pkl") && n.split(separator: "/", omittingEmptySubsequences: false).count == 2)
    }

    /// What a legacy (pre-zip) torch file looks like, if this is one: the pickle with torch's
    /// magic number, or the even older tar layout.
    public static func legacyKind(_ b: UnsafeRawBufferPointer) -> String? {
        // PROTO 2, LONG1 10 bytes: 0x1950a86a20f9469cfc6c, torch's legacy magic number.
        let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
        if b.count >= magic.count, magic.indices.allSatisfy({ b[$0] == magic[$0] }) {
            return
                "pickle with torch's legacy magic number, written by torch < 1.6 or with _use_new_zipfile_serialization=False"
        }
        if b.count >= 262, Array(b[257..<262]) == Array("ustar".utf8) { return "tar archive, written by torch < 0.4" }
        return nil
    }

    static func pickleRecord(in zip: StoredZip) -> String? {
        zip.entries.lazy.map(\.name).first(where: isPickleRecordName)
    }

    public static func open(_ path: String, loadConfig: Bool = true) throws -> TorchCheckpoint {
        let file = try MappedFile(path: path)
        let b = file.bytes
        guard StoredZip.looksLikeZip(b) else {
            if let legacy = legacyKind(b) { throw TorchFormatError.legacyFormat(file: path, detail: legacy) }
            throw TorchFormatError.badZip(file: path, detail: "does not begin with a zip local header")
        }
        let zip = try StoredZip(bytes: b, path: path)
        guard let pkl = pickleRecord(in: zip) else {
            throw TorchFormatError.missingRecord(file: path, record: "data.pkl")
        }
        let prefix = String(pkl.dropLast("data.pkl".count))
        if zip.entry(named: prefix + "constants.pkl") != nil
            || zip.entries.contains(where: { $0.name.hasPrefix(prefix + "code/") })
        {
            throw TorchFormatError.torchScript(file: path)
        }
        if let order = zip.entry(named: prefix + "byteorder"), order.size <= 16 {
            let record = try zip.contents(of: order, in: b)
            let text = withExtendedLifetime(record.owner) { String(decoding: record.bytes, as: UTF8.self) }
            if text == "big" { throw TorchFormatError.bigEndian(file: path) }
            guard text == "little" else {
                throw TorchFormatError.badRecord(
                    file: path, record: order.name, detail: "says '\(text)', not little or big")
            }
        }
        let pklEntry = zip.entry(named: pkl)!
        guard pklEntry.size <= maximumPickleBytes else {
            throw TorchFormatError.badRecord(
                file: path, record: pkl,
                detail: "is \(pklEntry.size) bytes; WeightKit reads pickles up to \(maximumPickleBytes) bytes")
        }
        let pickle = try zip.contents(of: pklEntry, in: b)
        let rules = TorchPickleRules(file: path, zip: zip, bytes: b, prefix: prefix)
        let root: PickleValue
        do {
            root = try withExtendedLifetime(pickle.owner) { try RestrictedUnpickler().load(pickle.bytes, rules: rules) }
        } catch let problem as PickleProblem {
            throw TorchFormatError.pickle(file: path, problem: problem)
        }
        guard case .dict(let top) = root else { throw TorchFormatError.notAStateDict(file: path, found: root.typeName) }

        var found: [(String, TorchTensor)] = []
        var metadata: [String: String] = [:]
        try flatten(top, prefix: "", depth: 0, file: path, tensors: &found, metadata: &metadata, seen: [])

        var tensors: [TensorInfo] = []
        var layouts: [TorchCheckpoint.Layout] = []
        var names = Set<String>()
        for (name, t) in found {
            guard names.insert(name).inserted else {
                throw TorchFormatError.badTensor(
                    file: path, tensor: name, detail: "the name appears twice once nested keys are joined with '.'")
            }
            let (info, layout) = try check(t, name: name, file: path)
            tensors.append(info)
            layouts.append(layout)
        }
        return TorchCheckpoint(
            path: path, file: file, zip: zip, tensors: tensors, layouts: layouts, metadata: metadata,
            modelConfig: loadConfig ? try FileSystem.modelConfig(besides: path) : nil)
    }

    /// Names tensors by their keys joined with "."; a container reached twice is walked once.
    static func flatten(
        _ d: PickleDict, prefix: String, depth: Int, file: String, tensors: inout [(String, TorchTensor)],
        metadata: inout [String: String], seen: Set<ObjectIdentifier>
    ) throws {
        var seen = seen
        func walk(_ v: PickleValue, _ name: String, _ depth: Int) throws {
            guard depth <= maximumDepth else {
                throw TorchFormatError.notAStateDict(
                    file: file, found: "containers nested more than \(maximumDepth) deep at '\(name)'")
            }
            switch v {
            case .object(let o):
                if let t = o as? TorchTensor { tensors.append((name, t)) }
            case .dict(let inner):
                guard seen.insert(ObjectIdentifier(inner)).inserted else { return }
                for (k, x) in inner.entries { try walk(x, name + "." + (k.scalarText ?? "?"), depth + 1) }
            case .list(let l):
                guard seen.insert(ObjectIdentifier(l)).inserted else { return }
                for (i, x) in l.items.enumerated() { try walk(x, name + "." + String(i), depth + 1) }
            case .tuple(let items):
                for (i, x) in items.enumerated() { try walk(x, name + "." + String(i), depth + 1) }
            default:
                if let text = v.scalarText, metadata.count < maximumScalars {
                    metadata[name] = String(text.prefix(1024))
                }
            }
        }
        seen.insert(ObjectIdentifier(d))
        for (k, v) in d.entries { try walk(v, prefix + (k.scalarText ?? "?"), depth + 1) }
    }

    /// Checks a tensor against its storage and describes where its bytes are.
    static func check(_ t: TorchTensor, name: String, file: String) throws -> (TensorInfo, TorchCheckpoint.Layout) {
        func bad(_ d: String) -> TorchFormatError { .badTensor(file: file, tensor: name, detail: d) }
        guard t.size.count == t.stride.count else {
            throw bad("size has \(t.size.count) dimensions but stride has \(t.stride.count)")
        }
        guard t.offset >= 0, t.size.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }) else {
            throw bad("negative size, stride or offset (size \(t.size), stride \(t.stride), offset \(t.offset))")
        }
        guard t.dtype.bitSize % 8 == 0 else { throw bad("dtype \(t.dtype.rawValue) is not byte-sized") }
        let element = t.dtype.bitSize / 8
        guard let count = elementCount(of: t.size), let byteCount = t.dtype.byteCount(elements: count) else {
            throw bad("size \(t.size) overflows")
        }
        let storageBytes = t.storage.byteCount
        guard storageBytes % element == 0 else {
            throw bad(
                "storage \(t.storage.key) of \(storageBytes) bytes is not a whole number of \(t.dtype.rawValue) elements"
            )
        }
        let storageElements = storageBytes / element
        // The highest element the view touches must lie inside the storage.
        if count > 0 {
            var last = t.offset
            for (s, st) in zip(t.size, t.stride) {
                let (m, o1) = (s - 1).multipliedReportingOverflow(by: st)
                let (sum, o2) = last.addingReportingOverflow(m)
                guard !o1, !o2 else { throw bad("size \(t.size) with stride \(t.stride) overflows") }
                last = sum
            }
            guard last < storageElements else {
                throw bad(
                    "size \(t.size), stride \(t.stride) and offset \(t.offset) reach element \(last) of storage \(t.storage.key), which holds \(storageElements)"
                )
            }
        }
        // Row-major strides (dimensions of size 1 may carry any stride) mean a view in place.
        var expected = 1
        var contiguous = true
        for k in stride(from: t.size.count - 1, through: 0, by: -1) where t.size[k] != 1 {
            if t.stride[k] != expected { contiguous = false; break }
            expected *= t.size[k]
        }
        if count == 0 { contiguous = true }
        let inPlace = contiguous && !t.storage.isCompressed
        let start = t.storage.range.lowerBound + (inPlace && count > 0 ? t.offset * element : 0)
        let info = TensorInfo(name: name, dtype: t.dtype, shape: t.size, byteOffset: start, byteCount: byteCount)
        return (
            info,
            TorchCheckpoint.Layout(storage: t.storage.entry, offset: t.offset, strides: contiguous ? nil : t.stride)
        )
    }
}
