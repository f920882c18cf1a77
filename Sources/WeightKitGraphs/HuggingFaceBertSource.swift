import WeightKitCheckpoints

/// Binds BERT parameters from a checkpoint in Hugging Face PyTorch naming (`embeddings.…`,
/// `encoder.layer.N.…`, Linear weights [out, in]), with or without the `bert.` prefix of task
/// models and sentence-transformers exports. A stop-gap name table for `bench` until the weight
/// mapper (which covers every convention, with a report) takes over.
public struct HuggingFacePyTorchBertSource: ParameterSource {
    public let checkpoint: any Checkpoint
    public init(checkpoint: any Checkpoint) { self.checkpoint = checkpoint }

    public func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        for candidate in [name, "bert." + name] {
            if let info = checkpoint.info(named: candidate) { return (try checkpoint.view(info), .outIn) }
        }
        // Legacy gamma / beta spellings of LayerNorm.
        if name.hasSuffix("LayerNorm.weight") || name.hasSuffix("LayerNorm.bias") {
            let legacy = name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) + ".gamma" : String(name.dropLast(".bias".count)) + ".beta"
            for candidate in [legacy, "bert." + legacy] {
                if let info = checkpoint.info(named: candidate) { return (try checkpoint.view(info), .outIn) }
            }
        }
        return nil
    }
}
