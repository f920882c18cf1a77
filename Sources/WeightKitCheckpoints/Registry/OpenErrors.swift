/// A path that holds nothing any registered reader opens.
public struct UnrecognizedFormat: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var size: Int?
    public init(path: String, size: Int?) { self.path = path; self.size = size }
    public var description: String {
        if size == nil {
            return
                "\(path): directory holds no checkpoint (no *.safetensors.index.json, .safetensors, .wkc, .h5, .keras, pytorch_model.bin or .pt file)"
        }
        return
            "\(path): not a checkpoint WeightKit reads (not safetensors, a shard index, .wkc, HDF5, .keras, a torch.save zip, a TensorFlow bundle or GGUF)"
    }
}

/// A directory that holds more than one checkpoint a reader would open.
public struct AmbiguousDirectory: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var candidates: [String]
    public init(path: String, candidates: [String]) { self.path = path; self.candidates = candidates }
    public var description: String {
        "\(path): directory holds several checkpoints (\(candidates.joined(separator: ", "))); name one"
    }
}
