import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitInspection

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a checkpoint's whole structure and, for .wkc, every checksum.",
        discussion:
            "Prints OK, or every problem found. Exit 0 when the file passes, 1 when it does not, 2 when it cannot be read as a checkpoint at all."
    )

    @Argument(help: "Checkpoint file, shard index or directory.")
    var path: String

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let size = FileSystem.fileSize(path) ?? 0
        let bar = ProgressBar(label: "checking", totalBytes: size)
        let report = CheckReport(try Checkpoints.check(path, progress: bar.handler))
        bar.finish()
        Terminal.write(json ? report.json.serialized(indent: 2) + "\n" : report.text)
        if !report.passed { throw ExitCode(1) }
    }
}
