import Foundation
import Testing
import WeightKitTestSupport
@testable import WeightKitCheckpoints

/// Paths to the committed fixtures and scratch space for tests.
enum Fixture {
    static let root = TestFixtures.root

    static func path(_ relative: String) -> String { root + "/Fixtures/" + relative }

    static func json(_ relative: String) throws -> JSONValue { try FileSystem.readJSON(path(relative)) }

    /// A fresh empty directory under the system temp directory.
    static func scratchDirectory(_ label: String = #function) throws -> String {
        try TestFixtures.scratchDirectory(label)
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
