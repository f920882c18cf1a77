import Foundation

/// `verify MODEL --against SOURCE --framework KIND`: runs the repository's Python producer
/// (`python/weightkit_reference`, `pip install ./python[EXTRA]`) on SOURCE in the source's own
/// framework, streaming its progress, and leaves a reference bundle for `Verifier`.
public enum ReferenceProducer {
    /// What the producer runs SOURCE with (its subcommand).
    public enum Framework: String, CaseIterable, Sendable {
        case hf, hfTF = "hf-tf", sentenceTransformers = "sentence-transformers", keras
        /// The pip extra that installs it.
        public var extra: String {
            switch self {
            case .hf: return "torch"
            case .hfTF: return "tensorflow"
            case .sentenceTransformers: return "sentence-transformers"
            case .keras: return "keras"
            }
        }
    }

    /// Why no bundle was made, each with what to do about it.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The Python to run: `--python`, else WEIGHTKIT_PYTHON, else the environment `verify --setup`
    /// would make under the cache directory.
    public static func python(explicit: String?, framework: Framework) throws -> String {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment["WEIGHTKIT_PYTHON"], !env.isEmpty { return env }
        let managed = cacheDirectory + "/verify-\(framework.extra)/bin/python"
        if FileManager.default.isExecutableFile(atPath: managed) { return managed }
        throw Failure(
            description:
                "no Python to run \(framework.rawValue) with: give --python PATH (a Python with weightkit-reference[\(framework.extra)] installed: pip install './python[\(framework.extra)]' from a WeightKit checkout) or set WEIGHTKIT_PYTHON"
        )
    }

    static var cacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        return env["WEIGHTKIT_CACHE"] ?? ((env["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")) + "/weightkit")
    }

    /// The checkout's `python/` folder, when this executable was built inside one (so the producer
    /// runs without being installed); nil for an installed binary (then pip install it).
    static var checkoutPackage: String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("python")
            if FileManager.default.fileExists(atPath: candidate.path + "/weightkit_reference/cli.py") {
                return candidate.path
            }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs the producer; its progress lines go to standard error as they come.
    public static func make(
        framework: Framework, source: String, python: String, batch: Int, sequence: Int, seed: UInt64,
        texts: [String], definition: String?, to bundle: String
    ) throws {
        var args = ["-m", "weightkit_reference", framework.rawValue, source, bundle]
        if texts.isEmpty {
            args += ["--batch", "\(batch)x\(sequence)", "--seed", "\(seed)"]
        } else {
            for t in texts { args += ["--text", t] }
        }
        args += framework == .keras ? ["--intermediates"] : ["--hidden-states"]
        if let definition { args += ["--definition", definition] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        if let package = checkoutPackage {
            env["PYTHONPATH"] = package + (env["PYTHONPATH"].map { ":" + $0 } ?? "")
        }
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.standardError
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var text = ""
        }
        let collected = Collected()
        err.fileHandleForReading.readabilityHandler = { h in
            let data = h.availableData
            guard !data.isEmpty else { return }
            FileHandle.standardError.write(data)
            collected.lock.withLock { collected.text += String(decoding: data, as: UTF8.self) }
        }
        do { try p.run() } catch {
            throw Failure(description: "cannot run \(python): \(error.localizedDescription)")
        }
        p.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        let rest = err.fileHandleForReading.readDataToEndOfFile()
        if !rest.isEmpty {
            FileHandle.standardError.write(rest)
            collected.lock.withLock { collected.text += String(decoding: rest, as: UTF8.self) }
        }
        let text = collected.lock.withLock { collected.text }
        let said = text.split(separator: "\n").last { $0.contains("weightkit-reference: error:") }.map {
            String($0.replacingOccurrences(of: "weightkit-reference: error: ", with: ""))
        }
        switch p.terminationStatus {
        case 0: return
        case 1 where text.contains("No module named"):
            // The package itself, or its own dependencies (numpy, safetensors), are not there.
            let module = text.split(separator: "\n").last { $0.contains("No module named") }.map(String.init) ?? ""
            throw Failure(
                description:
                    "\(python) cannot run weightkit-reference (\(module.trimmingCharacters(in: .whitespaces))): pip install './python[\(framework.extra)]' from a WeightKit checkout into it, or give another --python"
            )
        case 3: throw Failure(description: said ?? "the framework for \(framework.rawValue) is not installed")
        case 4: throw Failure(description: said ?? "\(source) does not load in its framework")
        default:
            throw Failure(
                description:
                    "weightkit-reference \(framework.rawValue) failed (exit \(p.terminationStatus))"
                    + (said.map { ": \($0)" } ?? "; its output is above"))
        }
    }
}
