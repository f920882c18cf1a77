/// A checkpoint's tensor order, kept through conversions that reorder (the safetensors writer
/// sorts by dtype and name, as the reference does). Legacy Keras `.h5` weights are bound by
/// position, as Keras loads them, so a conversion of such a file records the source order in the
/// metadata and the mapper reads it back.
public enum TensorOrder {
    /// Metadata key holding the source order: a JSON array of every tensor name.
    public static let metadataKey = "weightkit.tensor_order"

    /// The metadata entry to write for `source`, when its order carries meaning (the format
    /// placed its tensors by position: `TensorAnnotation.position`).
    public static func record(_ source: any Checkpoint) -> String? {
        if let kept = source.metadata[metadataKey] { return kept }
        guard source.annotations.values.contains(where: { $0.position != nil }) else { return nil }
        return JSONValue.array(source.tensors.map { .string($0.name) }).serialized()
    }

    /// The checkpoint's tensors in the recorded source order, when the metadata holds one that
    /// names exactly its tensors; otherwise in the checkpoint's own order.
    public static func tensors(of checkpoint: any Checkpoint) -> [TensorInfo] {
        guard let text = checkpoint.metadata[metadataKey], let value = try? JSONParser.parse(text),
            let names = value.arrayValue?.compactMap(\.stringValue), names.count == checkpoint.tensors.count,
            Set(names).count == names.count
        else { return checkpoint.tensors }
        let infos = names.compactMap { checkpoint.info(named: $0) }
        return infos.count == names.count ? infos : checkpoint.tensors
    }
}
