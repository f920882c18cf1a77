import ArgumentParser
import WeightKitVerification
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time loading a BERT checkpoint and running it on random valid inputs.",
        discussion:
            "Any checkpoint the mapper binds onto BERT (Hugging Face PyTorch or TF, keras-hub, a graph-ready .wkc). Prints load time, forward time (median, min, max over --runs after one warm-up run), peak RSS and the GEMM kernel that ran."
    )

    @Argument(help: "BERT checkpoint (model.safetensors, a directory, or .wkc) with config.json beside it.")
    var checkpoint: String

    @Option(help: "Batch size.") var batch = 1
    @Option(help: "Sequence length.") var seq = 128
    @Option(help: "Threads for the kernels.") var threads = 2
    @Option(help: "Timed runs.") var runs = 10
    @Option(
        help:
            "Arithmetic of the linear layers: f32, bf16 (AVX512_BF16 or AMX) or int8 (VNNI for full speed); default: what the checkpoint stores (a .wkc from convert --precision holds packed bf16 / int8 weights)."
    )
    var precision: Precision?
    @Flag(help: "Print {\"load_ms\", \"forward_ms\": {median, min, max}, \"peak_rss_bytes\", ...} as JSON.") var json =
        false

    func validate() throws {
        guard batch > 0, seq > 0, threads > 0, runs > 0 else {
            throw ValidationError("--batch, --seq, --threads and --runs must be positive")
        }
    }

    func run() throws {
        let t0 = Clock.now
        let c = try Checkpoints.open(checkpoint)
        let report = try Graphs.map(c)
        guard report.passed, let config = report.config else {
            Terminal.write(report.text)
            throw CommandFailure(
                message: "error: \(checkpoint) does not map onto a BERT-family graph (report above)", code: 1)
        }
        GEMM.setThreads(threads)
        let model = try BertModel(
            config: config, source: MappedParameterSource(checkpoint: c, report: report), precision: precision)
        model.threads = threads
        let loadMs = Clock.ms(since: t0)
        let rssAfterLoad = Self.currentRSS()
        guard seq <= config.maxPositions else {
            throw ValidationError("--seq \(seq) exceeds max_position_embeddings \(config.maxPositions)")
        }
        var rng = SplitMix64(seed: 42)
        let ids = (0..<batch).map { _ in (0..<seq).map { _ in Int(rng.next() % UInt64(config.vocabSize)) } }
        let inputs = BertModel.Inputs(inputIds: ids)
        _ = try model.forward(inputs, outputs: ["last_hidden_state"])
        var times: [Double] = []
        for _ in 0..<runs {
            let t = Clock.now
            _ = try model.forward(inputs, outputs: ["last_hidden_state"])
            times.append(Clock.ms(since: t))
        }
        times.sort()
        let median =
            times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        let peak = Int(usage.ru_maxrss) * 1024
        #else
        let peak = Int(usage.ru_maxrss)
        #endif
        if json {
            let v: JSONValue = .object([
                "load_ms": .double(loadMs),
                "forward_ms": .object([
                    "median": .double(median), "min": .double(times.first!), "max": .double(times.last!),
                ]),
                "peak_rss_bytes": .int(peak), "batch": .int(batch), "seq": .int(seq), "threads": .int(threads),
                "runs": .int(runs),
                "kernel": .string(model.kernels), "precision": .string(model.precision.rawValue),
                "cpu": .string(CPUFeatures.summary), "checkpoint_bytes": .int(c.totalBytes),
                "weights_in_place": .bool(model.weightsInPlace),
                "rss_after_load_bytes": .int(rssAfterLoad),
            ])
            print(v.serialized(indent: 2))
        } else {
            print(
                "\(checkpoint): BERT \(config.numLayers) layers, hidden \(config.hiddenSize), \(c.totalParameters) parameters"
            )
            print("kernel: \(model.kernels), \(threads) threads, precision \(model.precision.rawValue)")
            print("cpu: \(CPUFeatures.summary)")
            print("load: \(fmt(loadMs)) ms, RSS after load \(rssAfterLoad >> 20) MiB")
            print(
                "forward \(batch)x\(seq): median \(fmt(median)) ms, min \(fmt(times.first!)) ms, max \(fmt(times.last!)) ms over \(runs) runs"
            )
            print(
                "peak RSS: \(peak >> 20) MiB (weights \(c.totalBytes >> 20) MiB, \(model.weightsInPlace ? "used in place, none copied" : "copied at bind")\(model.precision == .f32 ? "" : model.storedLayers > 0 ? "; encoder linear layers used as the file stores them, \(model.precision.rawValue)" : "; encoder linear layers packed into \(model.precision.rawValue) at bind"))"
            )
        }
    }

    private func fmt(_ v: Double) -> String { String(Double(Int(v * 100)) / 100) }

    /// Resident set size now (Linux: /proc/self/statm; elsewhere the peak so far).
    static func currentRSS() -> Int {
        #if os(Linux)
        if let bytes = try? FileSystem.readSmallFile("/proc/self/statm", limit: 4096) {
            let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { return pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        }
        #endif
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}

/// Monotonic time in milliseconds.
enum Clock {
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
    static func ms(since t: Double) -> Double { now - t }
}

extension Precision: ExpressibleByArgument {}
