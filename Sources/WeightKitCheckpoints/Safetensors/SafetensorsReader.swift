/// Opens safetensors files: one file, or a sharded checkpoint through its index.
public enum SafetensorsReader {
    /// Opens one `.safetensors` file. O(header): the tensor bytes are mapped, not read.
    public static func open(_ path: String, loadConfig: Bool = true) throws -> MappedCheckpoint {
        let file = try MappedFile(path: path)
        let header = try SafetensorsHeader.validate(file.bytes, file: path).get()
        let config = loadConfig ? try FileSystem.modelConfig(besides: path) : nil
        return MappedCheckpoint(path: path, format: .safetensors, files: [file], tensors: header.tensors,
                                metadata: header.metadata, modelConfig: config)
    }
}
