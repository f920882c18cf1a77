import Foundation
import Testing
@testable import WeightKitCheckpoints

/// Paths to the committed fixtures and scratch space for tests.
enum Fixture {
    static let root: String = {
        var path = #filePath
        while !path.isEmpty {
            path = (path as NSString).deletingLastPathComponent
            if FileManager.default.fileExists(atPath: path + "/Package.swift") { return path }
        }
        fatalError("package root not found from \(#filePath)")
    }()

    static func path(_ relative: String) -> String { root + "/Fixtures/" + relative }

    static func json(_ relative: String) throws -> JSONValue { try FileSystem.readJSON(path(relative)) }

    /// A fresh empty directory under the system temp directory.
    static func scratchDirectory(_ label: String = #function) throws -> String {
        let clean = label.filter { $0.isLetter || $0.isNumber }
        let dir = NSTemporaryDirectory() + "weightkit-tests-\(clean)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// The enum case name of an error value (`.duplicateTensorName(file:tensor:)` → "duplicateTensorName").
func caseName(_ value: Any) -> String {
    let m = Mirror(reflecting: value)
    if let label = m.children.first?.label { return label }
    return String(describing: value)
}

/// The associated `tensor:` value of an error case, when it has one.
func tensorName(_ value: Any) -> String? {
    guard let payload = Mirror(reflecting: value).children.first?.value else { return nil }
    for child in Mirror(reflecting: payload).children where child.label == "tensor" { return child.value as? String }
    return nil
}

extension Data {
    var bytes: [UInt8] { [UInt8](self) }
}
