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

    /// The bytes of a safetensors file holding `tensors` in order (dtype spelled as safetensors
    /// does, data as given), for tests that need large or odd files the fixtures do not have.
    public static func safetensorsBytes(_ tensors: [(name: String, dtype: String, shape: [Int], data: [UInt8])])
        -> [UInt8]
    {
        var entries: [String] = [], offset = 0
        for t in tensors {
            entries.append(
                "\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + t.data.count)]}"
            )
            offset += t.data.count
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(header.count).littleEndian) { [UInt8]($0) } + header
        out.reserveCapacity(out.count + offset)
        for t in tensors { out += t.data }
        return out
    }
}
