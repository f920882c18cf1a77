import FuzzSupport
import WeightKitCheckpoints
import WeightKitTensorFlow

/// A SavedModel's `saved_model.pb` (and, the same bytes, its `keras_metadata.pb`): the bounded
/// walk for tags, assets, op counts, graph constants and Keras metadata, then what WeightKit makes
/// of them — a TF-Hub preprocessor's settings and a TextVectorization's vocabulary.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "saved_model.pb")
    _ = FuzzInput.file(data, size, name: "keras_metadata.pb")
    let dir = FileSystem.directory(of: path)
    if let info = try? SavedModelInfo.read(dir) { _ = try? info.textVectorizer() }
    _ = try? TFHubPreprocessor.load(dir)
    return 0
}
