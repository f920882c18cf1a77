import Foundation

/// `verify MODEL --against SOURCE --framework KIND`: runs the repository's Python producer
/// (`python/weightkit_reference`, `pip install ./python[EXTRA]`) on SOURCE in the source's own
/// framework, streaming its progress, and leaves a reference bundle for `Verifier`.
public enum ReferenceProducer {
    /// What the producer runs SOURCE with (its subcommand).
    public enum Framework: String, CaseIterable, Sendable {
        case hf, hfTF = "hf-tf", sentenceTransformers = "sentence-transformers", keras, tfhub
        /// The pip extra that installs it.
        public var extra: String {
            switch self {
            case .hf: return "torch"
            case .hfTF: return "tensorflow"
            case .sentenceTransformers: return "sentence-transformers"
            case .keras: return "keras"
            case .tfhub: return "tfhub"
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
        let managed = cacheDirectory + "/verify-\(framework.extra)"
        if FileManager.default.fileExists(atPath: managed + "/.complete") { return managed + "/bin/python" }
        throw Failure(
            description:
                "no Python to run \(framework.rawValue) with: `weightkit verify --setup \(framework.extra)` makes one, or give --python PATH (a Python with weightkit-reference[\(framework.extra)] installed: pip install './python[\(framework.extra)]' from a WeightKit checkout) or set WEIGHTKIT_PYTHON"
        )
    }

    /// `verify --setup EXTRA`: a virtual environment with the producer and that extra under the
    /// cache directory (`verify-EXTRA`), made once (the marker `.complete` is written last, so a
    /// killed or failed install is never used and is remade next time). Returns its python.
    public static func setup(extra: String) throws -> String {
        guard let package = checkoutPackage else {
            throw Failure(
                description:
                    "--setup installs the producer from a WeightKit checkout's python/ folder, and this weightkit was not built in one: pip install 'weightkit-reference[\(extra)]' into a Python and give --python"
            )
        }
        let dir = cacheDirectory + "/verify-\(extra)"
        if FileManager.default.fileExists(atPath: dir + "/.complete") { return dir + "/bin/python" }
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        func run(_ argv: [String], _ what: String) throws {
            FileHandle.standardError.write(Data("setup: \(what)\n".utf8))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = argv
            p.standardOutput = FileHandle.standardError
            do { try p.run() } catch {
                throw Failure(description: "cannot run \(argv[0]): \(error.localizedDescription)")
            }
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                try? FileManager.default.removeItem(atPath: dir)
                throw Failure(
                    description: "\(what) failed (exit \(p.terminationStatus)); its output is above; nothing was kept")
            }
        }
        try run(["python3", "-m", "venv", dir], "python3 -m venv \(dir)")
        // The versions this checkout is tested with (its pinned fixture environments) as constraints:
        // torch's CPU build rather than the multi-GB CUDA one, TensorFlow's CPU wheel.
        let pins =
            (package as NSString).deletingLastPathComponent + "/Fixtures/requirements-"
            + (extra == "torch" || extra == "sentence-transformers"
                ? "torch" : extra == "tfhub" ? "tensorflow" : "keras")
            + ".txt"
        let constraints = FileManager.default.fileExists(atPath: pins) ? ["-c", pins] : []
        try run(
            [dir + "/bin/python", "-m", "pip", "install", "--disable-pip-version-check", package + "[\(extra)]"]
                + constraints,
            "pip install '\(package)[\(extra)]'\(constraints.isEmpty ? "" : " -c \(pins)") (the framework is large: minutes on first use)"
        )
        FileManager.default.createFile(atPath: dir + "/.complete", contents: Data())
        return dir + "/bin/python"
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
        texts: [String], definition: String?, preprocess: String? = nil, to bundle: String
    ) throws {
        var args = ["-m", "weightkit_reference", framework.rawValue, source, bundle]
        if texts.isEmpty {
            args += ["--batch", "\(batch)x\(sequence)", "--seed", "\(seed)"]
        } else {
            for t in texts { args += ["--text", t] }
        }
        if framework == .keras {
            args.append("--intermediates")
        } else if framework != .tfhub {
            args.append("--hidden-states")
        }
        if let definition { args += ["--definition", definition] }
        if let preprocess, framework == .tfhub { args += ["--preprocess", preprocess] }
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
