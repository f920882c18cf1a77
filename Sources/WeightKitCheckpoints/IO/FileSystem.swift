#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers; the package keeps Foundation out of the data path.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Names in a directory, sorted.
    public static func contents(ofDirectory path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw FileError(path: path, operation: "list the directory") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// A small file's bytes, refusing anything larger than `limit`.
    public static func readSmallFile(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let file = try MappedFile(path: path)
        guard file.size <= limit else { throw FileTooLarge(path: path, size: file.size, limit: limit) }
        return [UInt8](file.bytes)
    }

    /// Writes all of `buffer` to a file descriptor, retrying short writes and EINTR.
    /// Returns false on an error (errno tells which).
    public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard var p = buffer.baseAddress else { return true }
        var remaining = buffer.count
        while remaining > 0 {
            #if canImport(Glibc)
            let n = Glibc.write(fd, p, min(remaining, 1 << 30))
            #else
            let n = Darwin.write(fd, p, min(remaining, 1 << 30))
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            remaining -= n
            p += n
        }
        return true
    }

    public static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    public static func directory(of path: String) -> String { splitPath(path).directory }
    public static func lastComponent(of path: String) -> String { splitPath(path).name }
}

/// A file larger than the reader will load into memory (small JSON files only).
public struct FileTooLarge: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var size: Int
    public var limit: Int
    public var description: String {
        "\(path): \(size) bytes is larger than the \(limit)-byte limit for this kind of file"
    }
}

/// A JSON side file (config.json, an index) that is not what it should be.
public struct JSONFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
}

extension FileSystem {
    /// Reads and parses a JSON file, with errors naming it.
    public static func readJSON(_ path: String, limit: Int = 64 << 20) throws -> JSONValue {
        let bytes = try readSmallFile(path, limit: limit)
        let ok = bytes.withUnsafeBytes { UTF8Validation.firstInvalidByte($0) }
        if let bad = ok { throw JSONFileError(path: path, problem: "not valid UTF-8 (byte \(bad))") }
        do { return try JSONParser.parse(bytes) } catch {
            throw JSONFileError(path: path, problem: "not valid JSON: \(error.description)")
        }
    }

    /// `config.json` beside a checkpoint file, when there is one.
    public static func modelConfig(besides checkpointPath: String) throws -> JSONValue? {
        let dir = isDirectory(checkpointPath) ? checkpointPath : directory(of: checkpointPath)
        let configPath = join(dir, "config.json")
        guard exists(configPath) else { return nil }
        let value = try readJSON(configPath)
        guard case .object = value else {
            throw JSONFileError(
                path: configPath, problem: "a model config must be a JSON object, found \(value.typeName)")
        }
        return value
    }
}
