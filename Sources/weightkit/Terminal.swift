#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints

enum Terminal {
    static func printError(_ message: String) {
        write(message.hasSuffix("\n") ? message : message + "\n", to: 2)
    }

    /// Writes all of `text` to a file descriptor (1: standard output, 2: standard error).
    static func write(_ text: String, to fd: Int32 = 1) {
        var t = text
        t.withUTF8 { _ = FileSystem.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// A one-line progress bar on standard error, shown only on a terminal and only for jobs large
/// enough to be worth watching.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private var lastPercent = -1
    private let enabled: Bool

    init(label: String, totalBytes: Int, threshold: Int = 64 << 20) {
        self.label = label
        enabled = Terminal.stderrIsTerminal && totalBytes >= threshold
    }

    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { [self] done, total in self.update(done, total) }
    }

    private func update(_ done: Int, _ total: Int) {
        let percent = total > 0 ? min(100, done * 100 / total) : 100
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        Terminal.write("\r\(label) [\(bar)] \(percent)% \(done >> 20)/\(total >> 20) MiB", to: 2)
    }

    func finish() {
        if enabled && lastPercent >= 0 { Terminal.write("\n", to: 2) }
    }
}
