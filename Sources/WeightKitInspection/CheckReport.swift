import WeightKitCheckpoints
import WeightKitFormats
import WeightKitPyTorch

/// The result of `weightkit check`: every structural problem and, for `.wkc`, every checksum
/// or padding problem. Empty `problems` means the file passed.
public struct CheckReport: Sendable {
    public var path: String
    public var format: CheckpointFormat
    public var tensorCount: Int
    public var checkedBytes: Int
    /// What the check covered beyond structure.
    public var notes: [String]
    public var problems: [String]

    public var passed: Bool { problems.isEmpty }

    /// Runs the full check. Throws only when the path cannot be read at all or is not a
    /// checkpoint; a malformed checkpoint comes back as a report with problems.
    public static func run(_ path: String, progress: ProgressHandler? = nil) throws -> CheckReport {
        let format = try Checkpoints.detectFormat(path)
        var report = CheckReport(path: path, format: format, tensorCount: 0, checkedBytes: 0, notes: [], problems: [])
        switch format {
        case .safetensors:
            let file = try MappedFile(path: path)
            switch SafetensorsHeader.validate(file.bytes, file: path) {
            case .failure(let p): report.problems = p.problems.map(\.description)
            case .success(let h):
                report.tensorCount = h.tensors.count
                report.checkedBytes = file.size
                report.notes.append("structure valid; the safetensors format carries no checksums")
            }
        case .shardedSafetensors:
            do {
                let c = try CheckpointOpener.open(path)
                report.tensorCount = c.tensors.count
                report.checkedBytes = c.totalBytes
                report.notes.append("index and \(c.files.count) shards valid; the safetensors format carries no checksums")
            } catch let e as ShardedCheckpointProblems {
                report.problems = e.problems.map { "\($0)" }
            } catch let e as SafetensorsProblems {
                report.problems = e.problems.map(\.description)
            } catch let e as ShardIndexError {
                report.problems = [e.description]
            }
        case .kerasLegacyH5, .keras3WeightsH5, .kerasArchive, .kerasShardedH5:
            // libhdf5 validated the structure on open; reading every tensor checks the rest.
            let c = try Checkpoints.open(path)
            report.tensorCount = c.tensors.count
            for t in c.tensors {
                do {
                    let v = try c.view(t)
                    report.checkedBytes += v.bytes.count
                } catch {
                    report.problems.append("\(error)")
                }
            }
            report.notes.append("HDF5 structure and every dataset readable; Keras HDF5 files carry no checksums")
        case .pytorch, .shardedPyTorch:
            // Opening validated the zip directory, the pickle and every tensor against its storage;
            // torch.save records carry CRC-32s, so every byte is checked too.
            let c: any Checkpoint
            do { c = try Checkpoints.open(path) } catch let e as TorchFormatError {
                report.problems = [e.description]
                return report
            } catch let e as ShardedCheckpointProblems {
                report.problems = e.problems.map { "\($0)" }
                return report
            } catch let e as ShardIndexError {
                report.problems = [e.description]
                return report
            }
            report.tensorCount = c.tensors.count
            let parts = (c as? CompositeCheckpoint)?.parts ?? [c]
            var records = 0
            for case let part as TorchCheckpoint in parts {
                report.problems += part.verifyRecords()
                records += part.recordCount
                report.checkedBytes += FileSystem.fileSize(part.path) ?? 0
            }
            report.notes.append("zip directory, pickle and tensor extents valid; CRC-32 of all \(records) records verified")
        case .wkc:
            let file = try MappedFile(path: path)
            switch WKCHeader.validate(file.bytes, file: path) {
            case .failure(let p): report.problems = p.problems.map(\.description)
            case .success:
                let c = try WKCReader.open(path)
                report.tensorCount = c.tensors.count
                report.checkedBytes = file.size
                let dataProblems = c.verifyData(progress: progress)
                report.problems = dataProblems.map(\.description)
                report.notes.append("header checksum, \(c.tensors.count) tensor checksums and all padding verified")
            }
        }
        return report
    }

    public var text: String {
        if passed {
            return "OK \(path) (\(format.rawValue), \(tensorCount) tensors, \(Formatting.bytes(checkedBytes)))" + notes.map { "\n  " + $0 }.joined() + "\n"
        }
        return "FAILED \(path) (\(format.rawValue)): \(problems.count) problem\(problems.count == 1 ? "" : "s")\n" + problems.map { "  - " + $0 + "\n" }.joined()
    }

    public var json: JSONValue {
        .object([
            "path": .string(path), "format": .string(format.rawValue), "passed": .bool(passed),
            "tensor_count": .int(tensorCount), "checked_bytes": .int(checkedBytes),
            "notes": .array(notes.map { .string($0) }), "problems": .array(problems.map { .string($0) }),
        ])
    }
}
