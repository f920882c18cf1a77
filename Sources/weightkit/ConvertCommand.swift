import ArgumentParser
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
import WeightKitInspection
import WeightKitGraphs
import WeightKitMapping
import WeightKitTokenizer

extension DTypePolicy: ExpressibleByArgument {}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract:
            "Convert any checkpoint WeightKit reads to safetensors or .wkc (tensor names preserved), a Hugging Face directory, or GGUF for llama.cpp.",
        discussion:
            "The output format follows DST's extension (.safetensors or .wkc). The output appears atomically: a failed or interrupted conversion leaves no partial file at DST."
    )

    @Argument(help: "Source checkpoint (file, shard index or directory).")
    var source: String

    @Option(name: .shortAndLong, help: "Destination file (.safetensors, .wkc, or .gguf for llama.cpp).")
    var output: String

    @Option(
        help:
            "Floating-point dtype of the output: keep, f32, f16, bf16, or q8_0 for a .gguf. Integer tensors are never cast; a narrowing cast is audited (overflow, flush to zero, subnormals)."
    )
    var dtype: DTypePolicy = .keep

    @Flag(help: "Refuse to write the output when a cast overflows a value to ±inf or flushes a non-zero value to zero.")
    var strict = false

    @Option(
        help: "Also write a summary as JSON to this path (Schemas/convert.schema.json): tensors, casts, the cast audit."
    )
    var json: String?

    @Option(
        help:
            "Map onto a graph (\(GraphKind.names)) and write a graph-ready .wkc: canonical names, weights in the layout the graph reads, the resolved config."
    )
    var model: GraphKind?

    @Option(
        help:
            "With --model (BERT family): write the encoder's linear weights as the bf16 or int8 kernel reads them (bf16 rounded; int8 per output column with F32 scales), in its blocked layout, so run / verify / bench use them in place; f32 (default) keeps float weights."
    )
    var precision: Precision = .f32

    @Option(
        help:
            "With --model: a config overriding the one found or inferred (Hugging Face config.json for bert, roberta and distilbert; vocab_size, max_length, embed_dim, num_heads, key_dim, ff_dim, hidden_units, num_classes, layer_norm_eps for text-classifier)."
    )
    var config: String?

    @Option(
        help:
            "hf: write DST as a Hugging Face PyTorch model directory (model.safetensors + config.json) that transformers loads as the same class (BERT, RoBERTa or DistilBERT, chosen from the checkpoint unless --model says)."
    )
    var layout: String?

    @Option(
        help:
            "GGUF: the pooling llama.cpp applies (mean, cls, none, or rank: the classification head, so llama.cpp returns logits; default from sentence-transformers' 1_Pooling, else rank for a BERT or RoBERTa classifier, else mean)."
    )
    var pooling: String?

    @Option(
        help:
            "GGUF: the tokenizer it carries, when none is beside the source (a Keras or TensorFlow file, a bare .bin): a vocab.txt or WordPiece tokenizer.json; for RoBERTa a tokenizer.json or a directory with vocab.json and merges.txt."
    )
    var vocab: String?

    @Option(
        name: .customLong("keep-f16"),
        help:
            "GGUF at q8_0: the weight matrices written F16, by llama.cpp's role names (\(GGUFBertWriter.matrixRoles.joined(separator: ", "))), comma-separated; default \(GGUFBertWriter.q8KeptF16Default.joined(separator: ",")) (where llama.cpp's 8-bit products cost most); none quantises every matrix, as convert_hf_to_gguf.py --outtype q8_0 does."
    )
    var keepF16: String?

    var isGGUF: Bool { output.hasSuffix(".gguf") }

    /// The roles kept F16, in llama.cpp's order (for the summary line and `--json`).
    var keptF16InOrder: [String] { GGUFBertWriter.matrixRoles.filter(keptF16.contains) }

    /// `--keep-f16` as a set of roles (the default when not given).
    var keptF16: Set<String> {
        guard let keepF16 else { return Set(GGUFBertWriter.q8KeptF16Default) }
        return keepF16 == "none" ? [] : Set(keepF16.split(separator: ",").map { String($0.filter { $0 != " " }) })
    }

    func validate() throws {
        if precision != .f32 {
            guard !isGGUF, layout == nil, model?.bertArchitecture != nil else {
                throw ValidationError(
                    "--precision \(precision.rawValue) packs a BERT-family graph-ready .wkc: give --model bert, roberta or distilbert and an output *.wkc (for a GGUF use --dtype)"
                )
            }
        }
        if dtype == .q8_0 && !isGGUF {
            throw ValidationError("--dtype q8_0 is a GGUF block type: name the output *.gguf")
        }
        if keepF16 != nil {
            guard dtype == .q8_0 && isGGUF else {
                throw ValidationError(
                    "--keep-f16 chooses the matrices a q8_0 GGUF keeps F16: give --dtype q8_0 and an output *.gguf")
            }
            let unknown = keptF16.subtracting(GGUFBertWriter.matrixRoles).sorted()
            guard unknown.isEmpty else {
                throw ValidationError(
                    "--keep-f16 \(unknown.joined(separator: ",")): not a matrix role of llama.cpp's BERT (\(GGUFBertWriter.matrixRoles.joined(separator: ", ")), or none)"
                )
            }
        }
        if vocab != nil, !isGGUF {
            throw ValidationError("--vocab names the tokenizer a GGUF carries: name the output *.gguf")
        }
        if isGGUF {
            guard layout == nil else { throw ValidationError("--layout hf writes a directory, not a .gguf") }
            guard [nil, "mean", "cls", "none", "rank"].contains(pooling) else {
                throw ValidationError("--pooling \(pooling!): mean, cls, none or rank")
            }
            return
        }
        if let layout {
            guard layout == "hf" else { throw ValidationError("--layout \(layout): only hf") }
            guard model?.bertArchitecture != nil || model == nil else {
                throw ValidationError("--layout hf writes a BERT-family model (bert, roberta, distilbert)")
            }
            return
        }
        let format: OutputFormat
        do { format = try OutputFormat(destination: output) } catch { throw ValidationError("\(error)") }
        if model != nil {
            guard format == .wkc else {
                throw ValidationError("--model writes a graph-ready .wkc; name the output *.wkc")
            }
        }
    }

    func run() throws {
        // A .wkc records its source's SHA-256: start hashing while the source is being opened, as
        // soon as a thread can no longer be caught by the fork of an HDF5 probe.
        var options = Checkpoints.Options()
        if layout == nil, (try? OutputFormat(destination: output)) == .wkc {
            let source = self.source
            options.whenThreadsMayStart = { SourceDigests.startEarly(source) }
        }
        let checkpoint = try Checkpoints.open(source, options: options)
        let audit = CastAudit(strict: strict)
        var summary: [(key: String, value: JSONValue)] = [("source", .string(source)), ("output", .string(output))]
        do {
            try convert(checkpoint, audit: audit, summary: &summary)
        } catch let e as CastAudit.Refused {
            for l in audit.lines() { print(l) }
            try writeSummary(summary + [("written", .bool(false))], audit: audit)
            throw CommandFailure(message: "error: \(e.description)", code: 1)
        }
        for l in audit.lines() { print(l) }
        try writeSummary(summary + [("written", .bool(true))], audit: audit)
    }

    /// `--json`: what was written and what the casts did.
    func writeSummary(_ summary: [(key: String, value: JSONValue)], audit: CastAudit) throws {
        guard let json else { return }
        let t = audit.totals
        let o = JSONValue.object(
            JSONObject(
                summary + [
                    ("dtype", .string(dtype.rawValue)), ("strict", .bool(strict)),
                    (
                        "cast_audit",
                        .object([
                            "tensors": .int(audit.entries.count), "values": .int(t.elements),
                            "overflow": .int(t.overflowed), "flushed_to_zero": .int(t.flushedToZero),
                            "subnormal": .int(t.subnormal), "lossy_tensors": .int(audit.lossy.count),
                            "entries": audit.json,
                        ])
                    ),
                ]))
        let writer = try AtomicFileWriter(destination: json)
        try writer.write(Array((o.serialized(indent: 2) + "\n").utf8))
        try writer.commit()
    }

    func convert(
        _ checkpoint: any Checkpoint, audit: CastAudit, summary: inout [(key: String, value: JSONValue)]
    ) throws {
        if isGGUF {
            summary.append(("format", .string("gguf")))
            if dtype == .q8_0 {
                let kept = keptF16InOrder
                summary.append(("gguf_kept_f16", .array(kept.map { .string($0) })))
            }
            return try writeGGUF(checkpoint, audit: audit)
        }
        if layout == "hf" {
            let report = try mapping(checkpoint, graph: model)
            guard report.config != nil else {
                throw CommandFailure(
                    message:
                        "error: \(source) maps onto \(report.model), not a BERT-family model: --layout hf cannot write it",
                    code: 2)
            }
            summary.append(("format", .string("hf")))
            let cls = try HuggingFaceWriter.writeBert(
                checkpoint, report: report, to: output, dtype: dtype, audit: audit)
            let tokenizer = try HuggingFaceWriter.writeTokenizer(
                for: checkpoint, maxLength: report.config!.maxPositions, to: output)
            print(
                "wrote \(output)/model.safetensors and config.json: Hugging Face PyTorch \(cls) (from \(report.convention!.rawValue))"
            )
            if !tokenizer.files.isEmpty { print("  tokenizer: " + tokenizer.files.joined(separator: ", ")) }
            for n in tokenizer.notes + report.notes { print("  note: " + n) }
            return
        }
        if let model {
            let report = try mapping(checkpoint, graph: model)
            let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
            // A text classifier's TextVectorization goes with it.
            let vectorizer =
                report.kind == .textClassifier
                ? try TextClassifierVectorizer.find(for: checkpoint, vocabularyFile: nil)?.json : nil
            summary.append(("format", .string("wkc")))
            try GraphReadyWriter.write(
                checkpoint, report: report, to: output, dtype: dtype, precision: precision, progress: bar.handler,
                vectorizer: vectorizer, audit: audit)
            bar.finish()
            print(
                "wrote \(output): graph-ready \(model.rawValue) (\(report.convention!.rawValue), config \(report.configSource)), \(report.entries.filter { $0.status == .mapped }.count) parameters"
                    + (precision == .f32 ? "" : ", encoder linear weights packed \(precision.rawValue)")
            )
            return
        }
        let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
        let result = try Converter.convert(checkpoint, to: output, dtype: dtype, progress: bar.handler, audit: audit)
        bar.finish()
        summary.append(("format", .string((try? OutputFormat(destination: output))?.rawValue ?? "?")))
        summary.append(("tensors", .int(result.tensors)))
        summary.append(("bytes_written", .int(result.bytesWritten)))
        var line = "wrote \(output): \(result.tensors) tensors, \(Formatting.bytes(result.bytesWritten))"
        if !result.casts.isEmpty {
            line +=
                " (cast "
                + result.casts.sorted(by: { $0.key < $1.key }).map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                + ")"
        }
        print(line)
    }

    /// The mapping onto `graph` (chosen from the checkpoint when nil) with `--config` applied; a
    /// mapping with problems prints its report and ends the command with exit 1.
    func mapping(_ checkpoint: any Checkpoint, graph: GraphKind?) throws -> MappingReport {
        let report = try Graphs.map(checkpoint, kind: graph, config: try GraphConfigOption.read(config, for: graph))
        guard report.passed else {
            Terminal.write(report.text)
            throw CommandFailure(
                message: "error: \(source) does not map onto the \(report.model) graph (report above)", code: 1)
        }
        return report
    }

    /// A BERT for llama.cpp: mapped, its vocabulary from its own tokenizer files, the pooling from
    /// sentence-transformers' `1_Pooling/config.json` unless --pooling says.
    /// The tokens in id order, one per row of the model's embedding table (llama.cpp reads the
    /// vocabulary's length as the table's): ids no token has become `[PAD<id>]`, listed in
    /// `unused`, as llama.cpp's converter writes them. A tokenizer with more ids than rows is refused.
    static func tokenTable(_ vocab: [String: Int], rows: Int, unused: inout Set<Int>, tokenizer: String) throws
        -> [String]
    {
        let top = (vocab.values.max() ?? -1) + 1
        guard top <= rows else {
            throw CommandFailure(
                message:
                    "error: the tokenizer (\(tokenizer)) has ids up to \(top - 1), the model's embedding table \(rows) rows: a GGUF holds one token per row — give the model's own vocabulary (--vocab)",
                code: 2)
        }
        var tokens = (0..<rows).map { "[PAD\($0)]" }
        unused = Set(tokens.indices)
        for (token, id) in vocab {
            tokens[id] = token
            unused.remove(id)
        }
        return tokens
    }

    private func writeGGUF(_ checkpoint: any Checkpoint, audit: CastAudit) throws {
        let report = try mapping(checkpoint, graph: model)
        guard let config = report.config, [.bert, .distilbert, .roberta].contains(config.kind) else {
            throw CommandFailure(
                message: "error: \(source) is \(report.model): GGUF export writes BERT, DistilBERT and RoBERTa", code: 2
            )
        }
        let dir = FileSystem.isDirectory(source) ? source : FileSystem.directory(of: checkpoint.path)
        let vocabulary: GGUFBertWriter.Vocabulary
        var tokens: [String]
        let tokenizerJSON =
            vocab.map { FileSystem.isDirectory($0) ? FileSystem.join($0, "tokenizer.json") : $0 }
            ?? FileSystem.join(dir, "tokenizer.json")
        if config.kind == .roberta,
            let root = try? FileSystem.readJSON(tokenizerJSON, limit: 256 << 20),
            root["model"]?["type"]?.stringValue == "Unigram"
        {
            // XLM-RoBERTa: SentencePiece Unigram, written as llama.cpp's converter writes it (t5).
            let sp: SentencePieceVocabulary
            do { sp = try SentencePieceVocabulary.load(tokenizerJSON: tokenizerJSON) } catch {
                throw CommandFailure(message: "error: a GGUF carries the tokenizer: \(error)", code: 2)
            }
            var unused = Set<Int>()
            tokens = try Self.tokenTable(
                Dictionary(sp.pieces.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }),
                rows: config.vocabSize, unused: &unused, tokenizer: sp.source)
            // Pieces are unique in SentencePiece; a repeated one would leave its first id only.
            for (i, p) in sp.pieces.enumerated() where tokens[i] != p {
                throw CommandFailure(message: "error: \(sp.source): piece \(i) '\(p)' repeats an earlier one", code: 2)
            }
            func id(_ t: String) -> Int? { sp.added[t] }
            guard let bos = id("<s>"), let eos = id("</s>") else {
                throw CommandFailure(message: "error: \(tokenizerJSON): the vocabulary has no <s> or </s>", code: 2)
            }
            var v = GGUFBertWriter.Vocabulary(
                tokens: tokens, unk: sp.unknown, cls: bos, sep: eos, pad: id("<pad>"), mask: id("<mask>"),
                lowercase: false, stripAccents: false)
            v.unused = unused
            v.unigram = .init(
                scores: tokens.indices.map { $0 < sp.scores.count ? sp.scores[$0] : -10000 },
                userDefined: sp.userDefined, precompiledCharsmap: sp.precompiledCharsmap,
                addSpacePrefix: sp.addSpacePrefix, removeExtraWhitespaces: sp.removeExtraWhitespaces)
            vocabulary = v
        } else if config.kind == .roberta {
            // The byte-level BPE as it is: tokens in id order up to the model's vocabulary size
            // (ids no token has become "[PAD<id>]", UNUSED, as llama.cpp's converter writes them).
            let t: ByteLevelBPETokenizer
            do {
                if let vocab, vocab.hasSuffix(".json"), !vocab.hasSuffix("vocab.json") {
                    t = try ByteLevelBPETokenizer.load(tokenizerJSON: vocab)
                } else {
                    t = try ByteLevelBPETokenizer.load(
                        directory: vocab.map { FileSystem.isDirectory($0) ? $0 : FileSystem.directory(of: $0) } ?? dir)
                }
            } catch {
                throw CommandFailure(message: "error: a GGUF carries the tokenizer: \(error)", code: 2)
            }
            var unused = Set<Int>()
            tokens = try Self.tokenTable(t.vocab, rows: config.vocabSize, unused: &unused, tokenizer: t.source)
            func id(_ s: String) -> Int? { t.vocab[s] }
            guard let unk = id("<unk>"), let bos = id(t.bos), let eos = id(t.eos) else {
                throw CommandFailure(
                    message: "error: \(dir): the BPE vocabulary has no <unk>, \(t.bos) or \(t.eos)", code: 2)
            }
            var v = GGUFBertWriter.Vocabulary(
                tokens: tokens, unk: unk, cls: bos, sep: eos, pad: id(t.pad), mask: id("<mask>"), lowercase: false,
                stripAccents: false)
            v.merges = t.merges.map { $0.0 + " " + $0.1 }
            v.unused = unused
            vocabulary = v
        } else {
            let files: TokenizerFiles
            do {
                files = try TokenizerFiles.load(for: checkpoint, path: source, vocab: vocab)
            } catch {
                throw CommandFailure(message: "error: a GGUF carries the tokenizer: \(error)", code: 2)
            }
            let t = files.tokenizer
            var unused = Set<Int>()
            tokens = try Self.tokenTable(
                t.vocab, rows: config.vocabSize, unused: &unused, tokenizer: files.sources.joined(separator: "; "))
            var v = GGUFBertWriter.Vocabulary(
                tokens: tokens, unk: t.vocab[t.unk]!, cls: t.vocab[t.cls]!, sep: t.vocab[t.sep]!, pad: t.vocab[t.pad],
                mask: t.vocab["[MASK]"], lowercase: t.lowercase, stripAccents: t.stripAccents)
            v.unused = unused
            vocabulary = v
        }
        // sentence-transformers' pooling where it says; else a classifier's head (llama.cpp's rank
        // pooling computes BERT's and RoBERTa's, not DistilBERT's ReLU one); else mean.
        var pool = GGUFBertWriter.Pooling.mean
        var notes: [String] = []
        let classifier = report.hasClassifierHead
        if let p = try? FileSystem.readJSON(FileSystem.join(dir, "1_Pooling/config.json")) {
            if p["pooling_mode_cls_token"]?.boolValue == true { pool = .cls }
        } else if classifier, config.kind != .distilbert {
            pool = .rank
        }
        switch pooling {
        case "cls": pool = .cls
        case "none": pool = .none
        case "mean": pool = .mean
        case "rank": pool = .rank
        default: break
        }
        if classifier, config.kind == .distilbert {
            notes.append(
                "DistilBERT's classification head (pre_classifier + ReLU) is written as cls / cls.output, as llama.cpp's converter writes it, but llama.cpp's rank pooling would apply tanh: use the file for embeddings, not for llama.cpp's logits"
            )
        }
        let bar = ProgressBar(label: "converting", totalBytes: checkpoint.totalBytes)
        try GGUFBertWriter.write(
            checkpoint, report: report, vocabulary: vocabulary, name: FileSystem.lastComponent(of: dir), pooling: pool,
            to: output, dtype: dtype == .keep ? .f32 : dtype, keepF16: keptF16, progress: bar.handler, audit: audit)
        bar.finish()
        var type = dtype == .keep ? "f32" : dtype.rawValue
        if dtype == .q8_0 {
            let kept = keptF16InOrder
            type += kept.isEmpty ? " (every matrix)" : " (\(kept.joined(separator: ", ")) kept F16)"
        }
        print(
            "wrote \(output): GGUF bert (\(report.config!.kind.rawValue) from \(report.convention!.rawValue)), \(type), pooling \(pool)\(pool == .rank ? " (the classification head: llama.cpp returns logits)" : ""), \(tokens.count) tokens"
        )
        for n in notes { print("  note: " + n) }
    }
}
