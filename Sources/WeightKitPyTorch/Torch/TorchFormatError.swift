import WeightKitCheckpoints

/// Everything that can be wrong with a PyTorch checkpoint, each naming the file and, where there
/// is one, the record, tensor or pickle position.
public enum TorchFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    case badZip(file: String, detail: String)
    case badRecord(file: String, record: String, detail: String)
    case missingRecord(file: String, record: String)
    case legacyFormat(file: String, detail: String)
    case bigEndian(file: String)
    case torchScript(file: String)
    /// The restricted unpickler met a pickle it cannot read or does not allow (one case per rule).
    case pickle(file: String, problem: PickleProblem)
    /// The pickle calls, builds or refers to something the torch rules do not accept.
    case pickleRule(file: String, offset: Int, rule: TorchPickleRule)
    /// A global outside the allowlist: named, never imported or called.
    case forbiddenGlobal(file: String, offset: Int, global: String)
    case notAStateDict(file: String, found: String)
    case badTensor(file: String, tensor: String, detail: String)
    case unsupportedStorage(file: String, tensor: String, type: String)

    public var description: String {
        switch self {
        case let .badZip(f, d): return "\(f): not a readable torch.save zip archive: \(d)"
        case let .badRecord(f, r, d): return "\(f): record '\(r)' \(d)"
        case let .missingRecord(f, r): return "\(f): the archive has no record '\(r)'"
        case let .legacyFormat(f, d):
            return
                "\(f): unsupported legacy PyTorch format (\(d)); load it with torch and re-save it with torch.save (torch >= 1.6 writes the zip format) or as safetensors"
        case let .bigEndian(f):
            return
                "\(f): the checkpoint was written on a big-endian machine (record 'byteorder' says big); only little-endian data is supported"
        case let .torchScript(f):
            return
                "\(f): a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save instead"
        case let .pickle(f, p): return "\(f): \(p)"
        case let .pickleRule(f, o, r): return "\(f): data.pkl at byte \(o): \(r)"
        case let .forbiddenGlobal(f, o, g):
            return
                "\(f): data.pkl at byte \(o) refers to the global '\(g)', which is not allowed in a weights file (only tensors, storages and ordered dicts are); nothing was executed"
        case let .notAStateDict(f, found): return "\(f): data.pkl holds \(found), not a dict of tensors"
        case let .badTensor(f, t, d): return "\(f): tensor '\(t)': \(d)"
        case let .unsupportedStorage(f, t, ty):
            return "\(f): tensor '\(t)': storage type \(ty) is not supported (no safetensors dtype for it)"
        }
    }
}
