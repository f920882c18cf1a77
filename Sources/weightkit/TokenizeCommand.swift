import ArgumentParser
import Foundation
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTensorFlow
import WeightKitTokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract:
            "Tokenise text: one line of ids per input line — with a BERT vocabulary (WordPiece, as Hugging Face's BertTokenizer), a TF-Hub preprocess SavedModel (--preprocess), a Keras text classifier's own TextVectorization or a GGUF's tokenizer.ggml.* vocabulary (--model)."
    )

    @Argument(help: "A text file (one sequence per line); - for standard input.") var file: String
    @Option(
        help:
            "The model's vocab.txt, tokenizer.json or directory (tokenizer.json, else vocab.txt with tokenizer_config.json; RoBERTa's byte-level BPE: a BPE tokenizer.json, or vocab.json + merges.txt)."
    ) var vocab: String?
    @Option(help: "A TF-Hub BERT preprocess SavedModel: its tokenisation (tensorflow_text's).") var preprocess: String?
    @Option(
        help:
            "A Keras text classifier (.keras, .h5, SavedModel): the ids its TextVectorization makes; or a BERT GGUF: its own WordPiece vocabulary."
    )
    var model: String?
    @Option(help: "With --model: the vectorizer's vocabulary, one token per line as get_vocabulary() returns it.")
    var vocabulary: String?
    @Flag(help: "Cased: no lower-casing or accent stripping, whatever the tokenizer files say.") var cased = false
    @Flag(help: "Print only the totals (lines, tokens, time).") var summary = false

    func validate() throws {
        guard [vocab, preprocess, model].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give one of --vocab, --preprocess, --model")
        }
    }

    func run() throws {
        let lines = try Self.lines(file)
        // The model opened once: a GGUF carries its WordPiece vocabulary, a Keras model its vectorizer.
        let opened = try model.map { try Checkpoints.open($0) }
        var embedded: WordPieceTokenizer?
        if let c = opened as? any EmbeddedByteLevelBPE {
            // A RoBERTa GGUF: its own byte-level BPE.
            let bpe: ByteLevelBPETokenizer?
            do { bpe = try c.byteLevelBPE() } catch { throw CommandFailure(message: "error: \(error)", code: 2) }
            if let bpe { return emit(lines) { bpe.encode($0, maxLength: Int.max) } }
        }
        if let c = opened as? any EmbeddedTokenizer {
            do { embedded = try c.tokenizerFiles().tokenizer } catch {
                throw CommandFailure(message: "error: \(error)", code: 2)
            }
        }
        if let model, let c = opened, embedded == nil {
            let found: KerasTextVectorizer?
            do { found = try TextClassifierVectorizer.find(for: c, vocabularyFile: vocabulary) } catch let e
                as KerasTextVectorizer.Problem
            {
                throw CommandFailure(message: "error: \(e.description)", code: 2)
            }
            guard let v = found else {
                throw CommandFailure(message: "error: \(model) has no TextVectorization layer", code: 2)
            }
            if let n = v.outputSequenceLength {
                // All lines into one id matrix, as the model takes them.
                func vectorise() -> [Int32] { v.ids(batch: lines) ?? lines.flatMap { v.ids($0).map(Int32.init) } }
                let batch = vectorise()
                if summary {
                    // As the peer is timed (Benchmarks/vectorizer.sh): after a warm-up call, the median of five.
                    var times: [Double] = []
                    for _ in 0..<5 {
                        let start = Clock.now
                        _ = vectorise()
                        times.append(Clock.ms(since: start))
                    }
                    let ms = times.sorted()[2]
                    Terminal.write(
                        "\(lines.count) lines, \(batch.count) ids (\(n) a line) in \(String(format: "%.2f", ms)) ms (median of 5 after a warm-up): \(Int(Double(lines.count) / ms * 1000)) lines/s\n"
                    )
                } else {
                    var out = ""
                    out.reserveCapacity(batch.count * 3)
                    for i in 0..<lines.count {
                        out += batch[(i * n)..<((i + 1) * n)].map(String.init).joined(separator: " ") + "\n"
                    }
                    Terminal.write(out)
                }
                return
            }
            return emit(lines) { v.ids($0) }
        }
        var tokenizer: WordPieceTokenizer
        if let embedded {
            tokenizer = embedded
        } else if let preprocess {
            tokenizer = try TFHubPreprocessor.load(preprocess).tokenizerFiles().tokenizer
        } else {
            switch try Self.vocabTokenizer(vocab!) {
            case .byteLevelBPE(let bpe): return emit(lines) { bpe.encode($0, maxLength: Int.max) }
            case .wordPiece(let t): tokenizer = t
            }
        }
        if cased {
            var o = tokenizer.options
            o.lowercase = false
            o.stripAccents = false
            tokenizer = try WordPieceTokenizer(vocab: tokenizer.vocab, options: o, source: "the vocabulary")
        }
        emit(lines) { tokenizer.encode($0) }
    }

    enum VocabTokenizer {
        case byteLevelBPE(ByteLevelBPETokenizer)
        case wordPiece(WordPieceTokenizer)
    }

    /// The tokenizer `--vocab` names: RoBERTa's byte-level BPE (a BPE tokenizer.json, or a
    /// directory with vocab.json + merges.txt and no tokenizer.json), else WordPiece (vocab.txt, a
    /// WordPiece tokenizer.json). A tokenizer.json is parsed once, for whichever reads it.
    static func vocabTokenizer(_ vocab: String) throws -> VocabTokenizer {
        let isDirectory = FileSystem.isDirectory(vocab)
        let dir = isDirectory ? vocab : FileSystem.directory(of: vocab)
        let json = isDirectory ? FileSystem.join(vocab, "tokenizer.json") : vocab
        let parsed =
            json.hasSuffix(".json") && FileSystem.exists(json) ? try FileSystem.readJSON(json, limit: 256 << 20) : nil
        let isBPE =
            parsed.map { $0["model"]?["type"]?.stringValue == "BPE" }
            ?? (isDirectory && FileSystem.exists(FileSystem.join(dir, "merges.txt")))
        if isBPE {
            do {
                return .byteLevelBPE(
                    try parsed != nil
                        ? ByteLevelBPETokenizer.load(tokenizerJSON: json, parsed: parsed)
                        : ByteLevelBPETokenizer.load(directory: dir))
            } catch { throw CommandFailure(message: "error: \(error)", code: 2) }
        }
        return .wordPiece(
            try TokenizerFiles.load(directory: dir, vocab: isDirectory ? nil : vocab, parsed: parsed).tokenizer)
    }

    static func lines(_ file: String) throws -> [String] {
        guard file == "-" || FileSystem.exists(file) else {
            throw CommandFailure(message: "error: \(file): no such file", code: 2)
        }
        let data =
            file == "-"
            ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func emit(_ lines: [String], _ encode: (String) -> [Int]) {
        let start = Clock.now
        var out = ""
        var tokens = 0
        for line in lines {
            let ids = encode(line)
            tokens += ids.count
            if !summary { out += ids.map(String.init).joined(separator: " ") + "\n" }
        }
        let ms = Clock.ms(since: start)
        if summary {
            out =
                "\(lines.count) lines, \(tokens) tokens in \(Int(ms)) ms: \(Int(Double(tokens) / ms * 1000)) tokens/s\n"
        }
        Terminal.write(out)
    }
}
