/// Problems reading a Keras / Hugging Face HDF5 checkpoint. Each names the file and the object.
public enum KerasCheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case notHDF5(file: String)
    case hdf5(file: String, object: String, message: String)
    case notKerasCheckpoint(file: String, found: String)
    case danglingWeightName(file: String, layer: String, weight: String)
    case unsupportedDataset(file: String, dataset: String, reason: String)
    case invalidModelConfig(file: String, detail: String)
    /// libhdf5 crashed or hung on the file in the probe process (see `HDF5Probe`).
    case unsafeHDF5(file: String, detail: String)

    public var description: String {
        switch self {
        case let .notHDF5(f): return "\(f): not an HDF5 file (no HDF5 signature)"
        case let .hdf5(f, o, m): return "\(f): HDF5 error at '\(o)': \(m)"
        case let .notKerasCheckpoint(f, found):
            return
                "\(f): an HDF5 file, but not a Keras checkpoint (no layer_names attribute, no layers/ or vars/ group; found \(found))"
        case let .danglingWeightName(f, l, w):
            return "\(f): layer '\(l)' lists weight '\(w)' but no dataset '\(l)/\(w)' exists"
        case let .unsupportedDataset(f, d, r): return "\(f): dataset '\(d)': unsupported storage: \(r)"
        case let .invalidModelConfig(f, d): return "\(f): model_config attribute is not valid JSON: \(d)"
        case let .unsafeHDF5(f, d): return "\(f): corrupt HDF5 structure: \(d); the file is refused"
        }
    }
}
