import Foundation
import WeightKitCheckpoints
import ZIPFoundation

/// Problems with a `.keras` archive (a zip of config.json, metadata.json and model.weights.h5).
public enum KerasArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnArchive(file: String, detail: String)
    case missingEntry(file: String, entry: String)
    case unsafeEntry(file: String, entry: String, reason: String)
    case entryTooLarge(file: String, entry: String, declared: UInt64, limit: UInt64)
    case corruptEntry(file: String, entry: String, detail: String)

    public var description: String {
        switch self {
        case let .notAnArchive(f, d): return "\(f): not a readable zip archive: \(d)"
        case let .missingEntry(f, e): return "\(f): .keras archive has no '\(e)'"
        case let .unsafeEntry(f, e, r): return "\(f): refusing archive entry '\(e)': \(r)"
        case let .entryTooLarge(f, e, d, l):
            return "\(f): entry '\(e)' claims \(d) bytes uncompressed, over the limit of \(l) (zip bomb?)"
        case let .corruptEntry(f, e, d): return "\(f): entry '\(e)' cannot be extracted: \(d)"
        }
    }
}

/// Reads `.keras` archives (Keras 3 and tf_keras 2.13+). The weights entry is streamed into an
/// unlinked temporary file, which libhdf5 opens and WeightKit maps: memory stays flat whatever
/// the model's size, and contiguous datasets are still viewed in place (the alternative, an
/// in-memory HDF5 file image, makes libhdf5 copy the whole image).
public enum KerasArchiveReader {
    /// The largest uncompressed entry accepted, and the largest expansion ratio for deflated ones.
    public static let maximumEntrySize: UInt64 = 64 << 30
    public static let maximumCompressionRatio: UInt64 = 1000

    public static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    /// `afterFork`: see `HDF5Probe.check` (the weights entry is probed once extracted).
    public static func open(_ path: String, includeAll: Bool = false, afterFork: (() -> Void)? = nil) throws
        -> KerasCheckpoint
    {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw KerasArchiveError.notAnArchive(file: path, detail: "\(error)")
        }
        var entries: [String: Entry] = [:]
        for entry in archive {
            let name = entry.path
            guard entry.type == .file || entry.type == .directory else {
                throw KerasArchiveError.unsafeEntry(
                    file: path, entry: name, reason: "not a regular file (\(entry.type))")
            }
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if name.hasPrefix("/") || name.contains("\\") || parts.contains("..") {
                throw KerasArchiveError.unsafeEntry(file: path, entry: name, reason: "path leaves the archive")
            }
            let declared = entry.uncompressedSize
            if !entry.isCompressed, entry.type == .file, declared != entry.compressedSize {
                throw KerasArchiveError.unsafeEntry(
                    file: path, entry: name,
                    reason: "stored entry declares \(declared) bytes but holds \(entry.compressedSize)")
            }
            let limit = min(
                maximumEntrySize,
                entry.isCompressed ? max(1 << 20, entry.compressedSize * maximumCompressionRatio) : maximumEntrySize)
            if declared > limit {
                throw KerasArchiveError.entryTooLarge(file: path, entry: name, declared: declared, limit: limit)
            }
            entries[name] = entry
        }
        guard let weights = entries["model.weights.h5"] else {
            throw KerasArchiveError.missingEntry(file: path, entry: "model.weights.h5")
        }

        /// A small entry's bytes in memory (64 MiB at most).
        func bytes(of e: Entry) throws -> [UInt8] {
            guard e.uncompressedSize <= 64 << 20 else {
                throw KerasArchiveError.entryTooLarge(
                    file: path, entry: e.path, declared: e.uncompressedSize, limit: 64 << 20)
            }
            var bytes = [UInt8]()
            do { _ = try archive.extract(e) { bytes += $0 } } catch {
                throw KerasArchiveError.corruptEntry(file: path, entry: e.path, detail: "\(error)")
            }
            return bytes
        }
        func smallEntry(_ name: String) throws -> JSONValue? {
            guard let e = entries[name] else { return nil }
            let bytes = try bytes(of: e)
            do { return try JSONParser.parse(bytes) } catch {
                throw KerasArchiveError.corruptEntry(file: path, entry: name, detail: "not JSON: \(error.description)")
            }
        }
        let config = try smallEntry("config.json")
        let meta = try smallEntry("metadata.json")
        // Assets (a TextVectorization's vocabulary): small files, kept in memory, 256 MiB at most.
        var assets: [String: [UInt8]] = [:]
        var assetBytes = 0
        for (name, e) in entries.sorted(by: { $0.key < $1.key }) where name.hasPrefix("assets/") && e.type == .file {
            assetBytes += Int(e.uncompressedSize)
            guard assetBytes <= 256 << 20 else {
                throw KerasArchiveError.entryTooLarge(
                    file: path, entry: name, declared: e.uncompressedSize, limit: 64 << 20)
            }
            assets[name] = try bytes(of: e)
        }

        // Stream the weights into an unlinked temporary file.
        let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(dir)/weightkit-keras-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: dir, operation: "create a temporary file for \(path)") }
        let tmpPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(fd); unlink(tmpPath) }
        var written: UInt64 = 0
        do {
            _ = try archive.extract(weights, bufferSize: 1 << 20) { data in
                written += UInt64(data.count)
                if written > weights.uncompressedSize {
                    throw KerasArchiveError.entryTooLarge(
                        file: path, entry: weights.path, declared: weights.uncompressedSize,
                        limit: weights.uncompressedSize)
                }
                let ok = data.withUnsafeBytes { FileSystem.writeAll(fd, $0) }
                if !ok { throw FileError(path: tmpPath, operation: "write") }
            }
        } catch let e as KerasArchiveError {
            throw e
        } catch let e as FileError {
            throw e
        } catch {
            throw KerasArchiveError.corruptEntry(file: path, entry: weights.path, detail: "\(error)")
        }
        try KerasReader.probe(
            path: tmpPath, displayName: path + "!/model.weights.h5", includeAll: includeAll, afterFork: afterFork)
        let file = try HDF5File(path: tmpPath, displayName: path + "!/model.weights.h5")
        let structure = try KerasStructureReader.read(file, includeAll: includeAll)
        var metadata: [String: String] = [:]
        for (k, v) in meta?.objectValue?.entries ?? [] { metadata["keras." + k] = v.stringValue ?? v.serialized() }
        return KerasCheckpoint(
            path: path, file: file, structure: structure, format: .kerasArchive,
            sideConfig: config, extraMetadata: metadata, preferSideConfig: true, assets: assets)
    }
}
