import WeightKitCheckpoints

/// The three ways Keras-family frameworks lay out weights in HDF5 (as observed in the files the
/// real frameworks write, Fixtures/keras):
/// - legacy (Keras 2 `save_weights`/`save` `.h5`, Keras 3 writing `.h5`, Hugging Face `tf_model.h5`):
///   order from the `layer_names` / `weight_names` attributes, datasets at `<layer>/<weight name>`;
/// - Hugging Face TF shards: the root `layer_names` lists dataset paths directly;
/// - Keras 3 `.weights.h5`: no name lists; `layers/<key>/…/vars/<i>`, indices sorted numerically.
enum KerasLayout: String, Sendable {
    case legacy
    case hfShard
    case keras3
}

/// One tensor found in the file, with where Keras puts it in the model.
struct KerasTensorEntry {
    var name: String
    var dataset: HDF5DatasetInfo
    var annotation: TensorAnnotation
}

struct KerasStructure {
    var layout: KerasLayout
    /// The group the tensor names are relative to ("/" or "/model_weights").
    var root: String
    var entries: [KerasTensorEntry]
    var attributes: [String: String]
    var modelConfig: JSONValue?
}

enum KerasStructureReader {
    /// Reads the structure; `includeAll` adds optimizer and metric state (normally skipped).
    static func read(_ file: HDF5File, includeAll: Bool) throws -> KerasStructure {
        try HDF5.locked {
            var attributes: [String: String] = [:]
            for key in ["backend", "keras_version"] {
                if let v = try file.attribute("/", key)?.strings?.first { attributes[key] = v }
            }
            var config: JSONValue? = nil
            if let text = try file.attribute("/", "model_config")?.strings?.first {
                do { config = try JSONParser.parse(text) } catch let e as JSONParseError {
                    throw KerasCheckpointError.invalidModelConfig(file: file.path, detail: e.description)
                }
            }
            let root = file.kind("model_weights") == 1 ? "/model_weights" : "/"
            func full(_ p: String) -> String { root == "/" ? p : root + "/" + p }

            if let layers = try file.listAttribute(root, "layer_names") {
                var entries: [KerasTensorEntry] = []
                var layout = KerasLayout.legacy
                for layer in layers {
                    switch file.kind(full(layer)) {
                    case 2:
                        // Hugging Face TF shard: the "layer" is a weight path.
                        layout = .hfShard
                        let info = try file.datasetInfo(full(layer))
                        entries.append(
                            KerasTensorEntry(
                                name: layer, dataset: info,
                                annotation: TensorAnnotation(
                                    layer: parentPath(layer), role: role(of: layer), position: nil)))
                    case 1:
                        let weights = try file.listAttribute(full(layer), "weight_names") ?? []
                        for (i, w) in weights.enumerated() {
                            let name = layer + "/" + w
                            guard file.kind(full(name)) == 2 else {
                                throw KerasCheckpointError.danglingWeightName(file: file.path, layer: layer, weight: w)
                            }
                            entries.append(
                                KerasTensorEntry(
                                    name: name, dataset: try file.datasetInfo(full(name)),
                                    annotation: TensorAnnotation(layer: layer, role: role(of: w), position: i)))
                        }
                    default:
                        throw KerasCheckpointError.hdf5(
                            file: file.path, object: full(layer),
                            message: "layer_names lists '\(layer)' but there is no such group")
                    }
                }
                if file.kind(full("top_level_model_weights")) == 1,
                    let weights = try file.listAttribute(full("top_level_model_weights"), "weight_names")
                {
                    for (i, w) in weights.enumerated() {
                        let name = "top_level_model_weights/" + w
                        guard file.kind(full(name)) == 2 else {
                            throw KerasCheckpointError.danglingWeightName(
                                file: file.path, layer: "top_level_model_weights", weight: w)
                        }
                        entries.append(
                            KerasTensorEntry(
                                name: name, dataset: try file.datasetInfo(full(name)),
                                annotation: TensorAnnotation(
                                    layer: "top_level_model_weights", role: role(of: w), position: i)))
                    }
                }
                if includeAll, root == "/model_weights", file.kind("optimizer_weights") == 1 {
                    for (i, w) in (try file.listAttribute("/optimizer_weights", "weight_names") ?? []).enumerated() {
                        let path = "/optimizer_weights/" + w
                        guard file.kind(path) == 2 else { continue }
                        entries.append(
                            KerasTensorEntry(
                                name: "optimizer_weights/" + w, dataset: try file.datasetInfo(path),
                                annotation: TensorAnnotation(layer: "optimizer_weights", role: "optimizer", position: i)
                            ))
                    }
                }
                return KerasStructure(
                    layout: layout, root: root, entries: entries, attributes: attributes, modelConfig: config)
            }

            let top = try file.children("/")
            // A Keras 3 file (or one shard of a sharded save, which may hold only optimizer state).
            guard
                top.contains(where: {
                    ["layers", "vars", "optimizer", "metrics", "_layer_checkpoint_dependencies"].contains($0)
                })
            else {
                throw KerasCheckpointError.notKerasCheckpoint(
                    file: file.path,
                    found: top.isEmpty ? "an empty root group" : "root members " + top.prefix(8).joined(separator: ", ")
                )
            }
            var entries: [KerasTensorEntry] = []
            try walkKeras3(file, group: "", depth: 0, includeAll: includeAll, into: &entries)
            return KerasStructure(
                layout: .keras3, root: "/", entries: entries, attributes: attributes, modelConfig: config)
        }
    }

    /// Groups nested deeper than this are refused: Keras nests a handful of levels, and a group
    /// that links back to an ancestor (found by fuzzing) would otherwise recurse without end.
    static let maximumGroupDepth = 64

    /// Depth-first over groups in name order; a `vars` group's datasets in numeric order.
    private static func walkKeras3(
        _ file: HDF5File, group: String, depth: Int, includeAll: Bool, into entries: inout [KerasTensorEntry]
    ) throws {
        let path = group.isEmpty ? "/" : "/" + group
        guard depth <= maximumGroupDepth, entries.count <= 10_000_000 else {
            throw KerasCheckpointError.unsafeHDF5(
                file: file.path,
                detail:
                    "groups nested more than \(maximumGroupDepth) deep at '\(path)' (a group linking back to an ancestor?)"
            )
        }
        var children = try file.children(path)
        let isVars = group.hasSuffix("vars") && (group == "vars" || group.hasSuffix("/vars"))
        if isVars {
            children.sort { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
        }
        for child in children {
            let rel = group.isEmpty ? child : group + "/" + child
            if group.isEmpty, !includeAll, child == "optimizer" || child == "metrics" { continue }
            switch file.kind("/" + rel) {
            case 1: try walkKeras3(file, group: rel, depth: depth + 1, includeAll: includeAll, into: &entries)
            case 2:
                var info = try file.datasetInfo("/" + rel)
                // Keras 3 marks bfloat16 datasets with @dtype; a 2-byte opaque type is already BF16.
                if case .strings(let s)? = try file.attribute("/" + rel, "dtype"), s.first == "bfloat16",
                    info.dtype != .bf16
                {
                    info.dtype = .bf16
                }
                // The layer: its real name from the vars group's @name (Keras 3.6+), else its path.
                var layer = isVars ? String(group.dropLast(group == "vars" ? 4 : 5)) : group
                if isVars, case .strings(let n)? = try file.attribute(path, "name"), let name = n.first, !name.isEmpty {
                    layer = name
                }
                entries.append(
                    KerasTensorEntry(
                        name: rel, dataset: info,
                        annotation: TensorAnnotation(
                            layer: layer.isEmpty ? "(model)" : layer, role: nil, position: isVars ? Int(child) : nil)))
            default: continue
            }
        }
    }

    /// "dense/kernel:0" → "kernel"; "…/vars/0" → nil.
    static func role(of weightName: String) -> String? {
        var last = Substring(weightName.split(separator: "/").last ?? "")
        if let colon = last.lastIndex(of: ":") { last = last[..<colon] }
        return last.isEmpty || Int(last) != nil ? nil : String(last)
    }

    static func parentPath(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "" }
        return String(p[..<slash])
    }
}
