import ArgumentParser
import WeightKitCheckpoints
import WeightKitGraphs
import WeightKitMapping

/// `--config FILE`: a config overriding the one found or inferred, in the graph's own spelling
/// (Hugging Face config.json for the BERT family, the keys of `weightkit params` for the text
/// classifier). Without `--model`, a config.json's model_type (or its absence: BERT) says the graph.
enum GraphConfigOption {
    static func read(_ path: String?, for kind: GraphKind?) throws -> GraphConfig? {
        guard let path else { return nil }
        let json = try FileSystem.readJSON(path)
        let kind =
            kind
            ?? (json["model_type"] == nil && json["embed_dim"] != nil
                ? .textClassifier
                : BertConfig.kind(modelType: json["model_type"]?.stringValue) ?? .bert)
        return try Graphs.mapping(for: kind).config(json)
    }
}
