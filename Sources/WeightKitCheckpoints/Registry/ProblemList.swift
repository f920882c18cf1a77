/// An error that stands for several problems found together (a safetensors header, a `.wkc`
/// file, a sharded checkpoint). Reports list each problem; a sharded reader merges a shard's
/// problems into its own list.
public protocol ProblemList: Error, Sendable {
    var problemList: [any Error & Sendable] { get }
}

extension ProblemList {
    /// Each problem's text, in order.
    public var problemDescriptions: [String] { problemList.map { "\($0)" } }
}

extension SafetensorsProblems: ProblemList {
    public var problemList: [any Error & Sendable] { problems }
}

extension WKCProblems: ProblemList {
    public var problemList: [any Error & Sendable] { problems }
}

extension ShardedCheckpointProblems: ProblemList {
    public var problemList: [any Error & Sendable] { problems }
}
