#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `--dtype` asks for: keep every tensor's dtype, or re-encode the floating-point ones.
public enum DTypePolicy: String, Sendable, CaseIterable {
    /// `q8_0` is GGUF's block type (32 values, one f16 scale): only the GGUF writer takes it.
    case keep, f32, f16, bf16, q8_0

    /// The dtype a tensor of `dtype` gets (for `q8_0`, f32: the values the quantiser reads).
    /// Integers, booleans and the exotic float formats (FP8, FP4/6) are never touched.
    public func target(for dtype: DType) -> DType {
        guard [.f32, .f16, .bf16, .f64].contains(dtype) else { return dtype }
        switch self {
        case .keep: return dtype
        case .f32, .q8_0: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        }
    }

    /// Refuses a policy the writer of `destination` cannot honour (q8_0 outside GGUF).
    public func check(writer: String, destination: String) throws {
        if self == .q8_0 { throw UnsupportedDType(destination: destination, dtype: rawValue, writer: writer) }
    }
}

/// A `--dtype` the output format has no encoding for.
public struct UnsupportedDType: Error, Sendable, CustomStringConvertible {
    public var destination: String, dtype: String, writer: String
    public var description: String {
        "\(destination): \(writer) has no \(dtype) encoding (q8_0 is a GGUF block type: write a .gguf)"
    }
}

/// The container a conversion writes, chosen from the destination's extension.
public enum OutputFormat: String, Sendable {
    case safetensors, wkc

    public init(destination: String) throws {
        if destination.hasSuffix(".wkc") {
            self = .wkc
        } else if destination.hasSuffix(".safetensors") {
            self = .safetensors
        } else {
            throw UnknownOutputFormat(destination: destination)
        }
    }
}

/// A destination whose extension names no format WeightKit writes.
public struct UnknownOutputFormat: Error, Sendable, CustomStringConvertible {
    public var destination: String
    public var description: String {
        "\(destination): cannot tell the output format from the name (use a .safetensors or .wkc extension, or .gguf for a BERT)"
    }
}

/// What a conversion wrote: tensors, bytes, and how many tensors each cast touched.
public struct ConversionSummary: Sendable {
    public var tensors: Int
    public var bytesWritten: Int
    public var casts: [String: Int]
}

/// Converts any opened checkpoint to safetensors or `.wkc`, names preserved.
public enum Converter {
    public static func convert(
        _ source: any Checkpoint, to destination: String, dtype: DTypePolicy = .keep,
        progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws -> ConversionSummary {
        let format = try OutputFormat(destination: destination)
        try dtype.check(writer: format.rawValue, destination: destination)
        let outputs = source.tensors.map {
            OutputTensor(name: $0.name, dtype: dtype.target(for: $0.dtype), checkpoint: source, info: $0)
        }
        var casts: [String: Int] = [:]
        for o in outputs where o.needsConversion {
            casts["\(o.sourceInfo.dtype.rawValue)->\(o.dtype.rawValue)", default: 0] += 1
        }
        switch format {
        case .safetensors:
            var metadata = source.metadata
            if source.format == .shardedSafetensors { metadata = metadata.filter { !$0.key.hasPrefix("index.") } }
            if let order = TensorOrder.record(source) { metadata[TensorOrder.metadataKey] = order }
            try SafetensorsWriter.write(outputs, metadata: metadata, to: destination, progress: progress, audit: audit)
        case .wkc:
            try writeWKC(outputs, source: source, casts: casts, to: destination, progress: progress, audit: audit)
        }
        return ConversionSummary(
            tensors: outputs.count, bytesWritten: FileSystem.fileSize(destination) ?? 0, casts: casts)
    }

    private static func writeWKC(
        _ outputs: [OutputTensor], source: any Checkpoint, casts: [String: Int],
        to destination: String, progress: ProgressHandler?, audit: CastAudit?
    ) throws {
        // The source files' SHA-256 digests are computed on another core while the data is
        // written; the header is completed with them at the end.
        let digests = try SourceDigests(source)
        let transforms: [JSONValue] = casts.keys.sorted().map { key in
            let parts = key.split(separator: "-", maxSplits: 1).map(String.init)
            return .object([
                "kind": .string("cast"), "from": .string(parts[0]), "to": .string(String(parts[1].dropFirst())),
                "tensors": .int(casts[key]!),
            ])
        }
        var model: WKCModelSection? = nil
        if let w = source as? WKCCheckpoint {
            model = w.model
        } else if let cfg = source.modelConfig, let type = cfg["model_type"]?.stringValue {
            model = WKCModelSection(architecture: type, config: cfg)
        }
        let provenance = WKCProvenance(
            sourceName: FileSystem.lastComponent(of: source.path), sourceFormat: source.format.rawValue,
            sourceFiles: digests.placeholders, tool: WeightKitVersion.tool, created: utcTimestamp(),
            transforms: transforms)
        try WKCWriter.write(
            outputs, metadata: source.metadata, model: model, provenance: provenance,
            completeProvenance: { digests.complete(&$0) }, to: destination, progress: progress, audit: audit)
    }

    /// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func utcTimestamp() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return
            "\(tmv.tm_year + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))T\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))Z"
    }
}
