import Foundation

/// Locations shared by every test target: the package root (found from this file), the
/// committed fixtures, and fresh scratch directories.
public enum TestFixtures {
    public static let root: String = {
        var path = #filePath
        while !path.isEmpty && path != "/" {
            path = (path as NSString).deletingLastPathComponent
            if FileManager.default.fileExists(atPath: path + "/Package.swift") { return path }
        }
        fatalError("package root not found from \(#filePath)")
    }()

    /// A path under Fixtures/.
    public static func path(_ relative: String) -> String { root + "/Fixtures/" + relative }

    /// A new empty directory under the system temporary directory.
    public static func scratchDirectory(_ label: String = "test") throws -> String {
        let clean = label.filter { $0.isLetter || $0.isNumber }
        let dir = NSTemporaryDirectory() + "weightkit-\(clean)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
