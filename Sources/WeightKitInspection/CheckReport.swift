import WeightKitCheckpoints

/// The result of `weightkit check` as the user sees it: every structural problem and every
/// checksum or padding problem the format lets the reader find (`Checkpoints.check` runs it).
/// Empty `problems` means the file passed.
public struct CheckReport: Sendable {
    public var path: String
    public var format: CheckpointFormat
    public var tensorCount: Int
    public var checkedBytes: Int
    /// What the check covered beyond structure.
    public var notes: [String]
    public var problems: [String]

    public var passed: Bool { problems.isEmpty }

    public init(_ result: CheckResult) {
        path = result.path
        format = result.format
        tensorCount = result.tensorCount
        checkedBytes = result.checkedBytes
        notes = result.notes
        problems = result.problems
    }

    public var text: String {
        if passed {
            return "OK \(path) (\(format.rawValue), \(tensorCount) tensors, \(Formatting.bytes(checkedBytes)))"
                + notes.map { "\n  " + $0 }.joined() + "\n"
        }
        return "FAILED \(path) (\(format.rawValue)): \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
            + problems.map { "  - " + $0 + "\n" }.joined()
    }

    public var json: JSONValue {
        .object([
            "path": .string(path), "format": .string(format.rawValue), "passed": .bool(passed),
            "tensor_count": .int(tensorCount), "checked_bytes": .int(checkedBytes),
            "notes": .array(notes.map { .string($0) }), "problems": .array(problems.map { .string($0) }),
        ])
    }
}
