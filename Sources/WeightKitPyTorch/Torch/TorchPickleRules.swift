import WeightKitCheckpoints

/// A storage named by a persistent id: one `data/<key>` record of the archive.
final class TorchStorage: PickleObject {
    let key: String
    let typeName: String
    let dtype: DType
    let entry: StoredZip.Entry
    /// The record's bytes in the file (deflated, for a deflated record).
    let range: Range<Int>
    /// The storage's size in bytes.
    var byteCount: Int { entry.size }
    var isCompressed: Bool { entry.method != 0 }
    init(key: String, type: String, dtype: DType, entry: StoredZip.Entry, range: Range<Int>) {
        self.key = key; self.typeName = "the storage \(key) (\(type))"; self.dtype = dtype; self.entry = entry;
        self.range = range
    }
}

/// A tensor as `_rebuild_tensor*` describes it: a strided view of a storage, checked later,
/// when its name is known.
final class TorchTensor: PickleObject {
    let storage: TorchStorage
    let dtype: DType
    let offset: Int
    let size: [Int]
    let stride: [Int]
    var typeName: String { "a tensor" }
    init(storage: TorchStorage, dtype: DType, offset: Int, size: [Int], stride: [Int]) {
        self.storage = storage; self.dtype = dtype; self.offset = offset; self.size = size; self.stride = stride
    }
}

/// The unpickling rules for `torch.save` state dicts: only the globals of `TorchGlobals`, only
/// the calls that rebuild tensors and ordered dicts, persistent ids resolved to the archive's
/// `data/` records, BUILD only on dicts (Hugging Face state dicts carry `_metadata` that way).
final class TorchPickleRules: PickleRules {
    let file: String
    let zip: StoredZip
    let bytes: UnsafeRawBufferPointer
    /// The directory prefix of the records (`archive/`, `pytorch_model/`, ...).
    let prefix: String
    private var storages: [String: TorchStorage] = [:]

    init(file: String, zip: StoredZip, bytes: UnsafeRawBufferPointer, prefix: String) {
        self.file = file; self.zip = zip; self.bytes = bytes; self.prefix = prefix
    }

    private func fail(_ offset: Int, _ rule: TorchPickleRule) -> TorchFormatError {
        .pickleRule(file: file, offset: offset, rule: rule)
    }

    func global(module: String, name: String, offset: Int) throws -> PickleValue {
        let q = module + "." + name
        if module == "__torch__" || module.hasPrefix("__torch__.") { throw TorchFormatError.torchScript(file: file) }
        guard TorchGlobals.isAllowed(q) else {
            throw TorchFormatError.forbiddenGlobal(file: file, offset: offset, global: q)
        }
        return .global(q)
    }

    func call(_ callable: String, arguments a: [PickleValue], offset: Int) throws -> PickleValue {
        func int(_ i: Int, _ what: String) throws -> Int {
            guard i < a.count, case .int(let v) = a[i] else {
                throw fail(
                    offset,
                    .argumentNotInt(callable: callable, argument: what, found: i < a.count ? a[i].typeName : "nothing"))
            }
            return v
        }
        func ints(_ i: Int, _ what: String) throws -> [Int] {
            guard i < a.count, case .tuple(let t) = a[i] else {
                throw fail(
                    offset,
                    .argumentNotTuple(
                        callable: callable, argument: what, found: i < a.count ? a[i].typeName : "nothing"))
            }
            guard t.count <= 64 else {
                throw fail(offset, .tooManyDimensions(callable: callable, argument: what, count: t.count))
            }
            return try t.map { v in
                guard case .int(let x) = v else {
                    throw fail(offset, .dimensionNotInt(callable: callable, argument: what, found: v.typeName))
                }
                return x
            }
        }
        func tensor(_ i: Int) throws -> PickleValue {
            guard i < a.count, case .object(let o) = a[i], o is TorchTensor else {
                throw fail(offset, .expectsTensor(callable: callable, found: i < a.count ? a[i].typeName : "nothing"))
            }
            return a[i]
        }
        switch callable {
        case TorchGlobals.orderedDict:
            guard a.isEmpty else { throw fail(offset, .orderedDictWithArguments) }
            return .dict(PickleDict())
        case TorchGlobals.rebuildTensor, TorchGlobals.rebuildTensorV2, TorchGlobals.rebuildTensorV3:
            let counts: ClosedRange<Int> =
                callable == TorchGlobals.rebuildTensor
                ? 4...4 : callable == TorchGlobals.rebuildTensorV2 ? 6...7 : 7...8
            guard counts.contains(a.count) else {
                throw fail(offset, .argumentCount(callable: callable, count: a.count))
            }
            guard case .object(let o) = a[0], let storage = o as? TorchStorage else {
                throw fail(offset, .notAStorage(callable: callable, found: a[0].typeName))
            }
            var dtype = storage.dtype
            if callable == TorchGlobals.rebuildTensorV3 {
                guard case .global(let g) = a[6], let d = TorchGlobals.dtypes[g] else {
                    throw fail(offset, .unknownDType(callable: callable, found: a[6].typeName))
                }
                dtype = d
            }
            if callable != TorchGlobals.rebuildTensor, case .dict(let hooks) = a[5], !hooks.entries.isEmpty {
                throw fail(offset, .backwardHooks(callable: callable))
            }
            return .object(
                TorchTensor(
                    storage: storage, dtype: dtype, offset: try int(1, "storage offset"),
                    size: try ints(2, "size"), stride: try ints(3, "stride")))
        case TorchGlobals.rebuildParameter, TorchGlobals.rebuildParameterWithState:
            guard a.count == (callable == TorchGlobals.rebuildParameter ? 3 : 4) else {
                throw fail(offset, .argumentCount(callable: callable, count: a.count))
            }
            return try tensor(0)
        default:
            throw fail(offset, .typeTagCalled(callable: callable))
        }
    }

    func persistentLoad(_ id: PickleValue, offset: Int) throws -> PickleValue {
        guard case .tuple(let t) = id, t.count == 5, case .string("storage") = t[0] else {
            throw fail(offset, .malformedPersistentID(found: id.typeName))
        }
        guard case .global(let type) = t[1], let known = TorchGlobals.storageTypes[type] else {
            throw fail(offset, .persistentStorageType(found: t[1].typeName))
        }
        guard case .string(let key) = t[2] else { throw fail(offset, .persistentKey(found: t[2].typeName)) }
        guard case .int(let count) = t[4], count >= 0 else { throw fail(offset, .persistentSize(found: t[4].typeName)) }
        let record = prefix + "data/" + key
        guard let dtype = known else {
            throw TorchFormatError.badRecord(
                file: file, record: record, detail: "has storage type \(type), which WeightKit does not support")
        }
        if let s = storages[key] {
            guard s.dtype.bitSize == dtype.bitSize || type == "torch.storage.UntypedStorage" else {
                throw TorchFormatError.badRecord(
                    file: file, record: record, detail: "is used as two storage types of different element sizes")
            }
            return .object(s)
        }
        guard let entry = zip.entry(named: record) else {
            throw TorchFormatError.missingRecord(file: file, record: record)
        }
        let range = try zip.dataRange(of: entry, in: bytes)
        let elementBytes = dtype.bitSize / 8
        guard let expected = dtype.byteCount(elements: count), expected == entry.size else {
            throw TorchFormatError.badRecord(
                file: file, record: record,
                detail: "holds \(entry.size) bytes but the pickle declares \(count) elements of \(elementBytes) bytes")
        }
        let s = TorchStorage(key: key, type: type, dtype: dtype, entry: entry, range: range)
        storages[key] = s
        return .object(s)
    }

    func build(_ object: PickleValue, state: PickleValue, offset: Int) throws -> PickleValue {
        switch (object, state) {
        case (.dict, .dict), (.dict, .none): return object  // e.g. a state dict's _metadata: not weights
        default: throw fail(offset, .buildNotAllowed(object: object.typeName, state: state.typeName))
        }
    }
}
