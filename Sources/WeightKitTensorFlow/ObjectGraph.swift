/// The `TrackableObjectGraph` a TF2 object-based bundle stores under `_CHECKPOINTABLE_OBJECT_GRAPH`
/// (tensorflow/core/protobuf/trackable_object_graph.proto): node 0 is the root, each node lists
/// its children by local name, its saved attributes (`VARIABLE_VALUE` with the variable's
/// `full_name` and the bundle key it was saved under) and its optimizer slot variables.
///
/// The bundle keys are object paths (`encoder/layer_with_weights-4/_attention_layer/…` or, in a
/// SavedModel, `variables/5/…`), which change between Model Garden versions and say nothing in a
/// SavedModel; the `full_name` (the Keras variable name, `transformer/layer_0/self_attention/
/// query/kernel`) is the stable name. This type decodes the graph boundedly and answers, per key,
/// the full name and every object path that leads to the variable.
struct ObjectGraph {
    struct Attribute {
        var name = "", fullName = "", checkpointKey = ""
    }

    struct Node {
        var children: [(node: Int, name: String)] = []
        var attributes: [Attribute] = []
        /// (original variable node, slot name, slot variable node)
        var slots: [(original: Int, name: String, slot: Int)] = []
    }

    var nodes: [Node]

    /// The key under which TF2 stores the serialized graph.
    static let key = "_CHECKPOINTABLE_OBJECT_GRAPH"

    /// Decodes a serialized `TrackableObjectGraph`. Every child and slot reference must name a
    /// node of the graph (a truncated graph is refused); cycles are allowed, as in TensorFlow,
    /// whose breadth-first walk keeps the first path to each node.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) -> ObjectGraph {
        var r = ProtoReader(bytes)
        var nodes: [Node] = []
        while let f = try r.field() {
            guard f.number == 1, f.wireType == 2 else {
                try r.skip(wireType: f.wireType)
                continue
            }
            nodes.append(try node(try r.lengthDelimited()))
        }
        guard !nodes.isEmpty else { throw ProtoReader.Malformed(detail: "the object graph has no nodes") }
        for (i, n) in nodes.enumerated() {
            for c in n.children where c.node < 0 || c.node >= nodes.count {
                throw ProtoReader.Malformed(
                    detail:
                        "node \(i)'s child '\(c.name)' refers to node \(c.node) of \(nodes.count) (truncated graph?)")
            }
            for s in n.slots where [s.original, s.slot].contains(where: { $0 < 0 || $0 >= nodes.count }) {
                throw ProtoReader.Malformed(
                    detail: "node \(i)'s slot '\(s.name)' refers to a node outside the \(nodes.count) of the graph")
            }
        }
        return ObjectGraph(nodes: nodes)
    }

    private static func node(_ bytes: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) -> Node {
        var r = ProtoReader(bytes)
        var n = Node()
        while let f = try r.field() {
            switch (f.number, f.wireType) {
            case (1, 2):  // ObjectReference { int32 node_id = 1; string local_name = 2; }
                var c = ProtoReader(try r.lengthDelimited())
                var id = 0, name = ""
                while let g = try c.field() {
                    switch (g.number, g.wireType) {
                    case (1, 0): id = try int32(&c)
                    case (2, 2): name = string(try c.lengthDelimited())
                    default: try c.skip(wireType: g.wireType)
                    }
                }
                n.children.append((id, name))
            case (2, 2):  // SerializedTensor { name = 1; full_name = 2; checkpoint_key = 3; }
                var a = ProtoReader(try r.lengthDelimited())
                var attribute = Attribute()
                while let g = try a.field() {
                    switch (g.number, g.wireType) {
                    case (1, 2): attribute.name = string(try a.lengthDelimited())
                    case (2, 2): attribute.fullName = string(try a.lengthDelimited())
                    case (3, 2): attribute.checkpointKey = string(try a.lengthDelimited())
                    default: try a.skip(wireType: g.wireType)
                    }
                }
                n.attributes.append(attribute)
            case (3, 2):  // SlotVariableReference { original = 1; slot_name = 2; slot_variable_node_id = 3; }
                var s = ProtoReader(try r.lengthDelimited())
                var original = 0, name = "", slot = 0
                while let g = try s.field() {
                    switch (g.number, g.wireType) {
                    case (1, 0): original = try int32(&s)
                    case (2, 2): name = string(try s.lengthDelimited())
                    case (3, 0): slot = try int32(&s)
                    default: try s.skip(wireType: g.wireType)
                    }
                }
                n.slots.append((original, name, slot))
            default: try r.skip(wireType: f.wireType)
            }
        }
        return n
    }

    private static func int32(_ r: inout ProtoReader) throws(ProtoReader.Malformed) -> Int {
        Int(Int32(truncatingIfNeeded: try r.varint()))
    }

    private static func string(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }

    /// What the graph says of one bundle key.
    struct Naming {
        /// The variable's `full_name` ("" when the graph gives none).
        var fullName: String
        /// Every object path that reaches the variable (the first is TensorFlow's breadth-first
        /// one, from which the key was made), escaped as in keys, without `/.ATTRIBUTES/…`.
        var paths: [String]
        /// Optimizer state: a slot variable, or a variable reached through an optimizer (a node
        /// with slot variables, or with an `iter` / `_iterations` child).
        var trainingState: Bool
    }

    /// Per bundle key: the full name and the object paths to its node. Linear in the graph's
    /// size: each node gets its breadth-first path, and each edge into a variable node one more.
    func namings() -> [String: Naming] {
        var first = [String?](repeating: nil, count: nodes.count)
        first[0] = ""
        var optimizer = [Bool](repeating: false, count: nodes.count)
        var state = [Bool](repeating: false, count: nodes.count)
        for (i, n) in nodes.enumerated() {
            optimizer[i] = !n.slots.isEmpty || n.children.contains { $0.name == "iter" || $0.name == "_iterations" }
            for s in n.slots { state[s.slot] = true }
        }
        var queue = [0], head = 0
        while head < queue.count {
            let i = queue[head]
            head += 1
            for c in nodes[i].children where first[c.node] == nil {
                first[c.node] = Self.join(first[i]!, Self.escape(c.name))
                state[c.node] = state[c.node] || state[i] || optimizer[i]
                queue.append(c.node)
            }
        }
        // Every edge into a node, from a parent that the walk reached.
        var incoming = [[String]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            guard let base = first[i] else { continue }
            for c in n.children { incoming[c.node].append(Self.join(base, Self.escape(c.name))) }
        }
        var out: [String: Naming] = [:]
        for (i, n) in nodes.enumerated() {
            for a in n.attributes where !a.checkpointKey.isEmpty {
                var paths: [String] = []
                if let p = first[i] { paths.append(p) }
                for p in incoming[i] where !paths.contains(p) { paths.append(p) }
                out[a.checkpointKey] = Naming(fullName: a.fullName, paths: paths, trainingState: state[i])
            }
        }
        return out
    }

    /// `escape_local_name`: `.` → `..`, then `/` → `.S`.
    static func escape(_ name: String) -> String {
        var out = ""
        for ch in name {
            switch ch {
            case ".": out += ".."
            case "/": out += ".S"
            default: out.append(ch)
            }
        }
        return out
    }

    private static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "/" + b }
}

extension TensorBundleReader {
    /// What a serialized `TrackableObjectGraph` (the `_CHECKPOINTABLE_OBJECT_GRAPH` string of a
    /// TF2 bundle) says of each checkpoint key: the variable's full name and every object path
    /// to it. Refuses, in words, a graph that is malformed or refers to nodes it does not have.
    public static func objectGraphNames(_ serialized: UnsafeRawBufferPointer) throws -> [String: (
        fullName: String, paths: [String]
    )] {
        do {
            return try ObjectGraph.decode(serialized).namings().mapValues { ($0.fullName, $0.paths) }
        } catch { throw TensorBundleError.badObjectGraph(file: "(object graph)", detail: error.detail) }
    }
}
