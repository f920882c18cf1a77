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
        if embedded == nil, preprocess == nil, let vocab, let bpe = try Self.byteLevelBPE(vocab) {
            return emit(lines) { bpe.encode($0, maxLength: Int.max) }
        }
        var tokenizer: WordPieceTokenizer
        if let embedded {
            tokenizer = embedded
        } else if let preprocess {
            tokenizer = try TFHubPreprocessor.load(preprocess).tokenizerFiles().tokenizer
        } else {
            let vocab = vocab!
            let isDirectory = FileSystem.isDirectory(vocab)
            tokenizer = try TokenizerFiles.load(
                directory: isDirectory ? vocab : FileSystem.directory(of: vocab), vocab: isDirectory ? nil : vocab
            ).tokenizer
        }
        if cased {
            var o = tokenizer.options
            o.lowercase = false
            o.stripAccents = false
            tokenizer = try WordPieceTokenizer(vocab: tokenizer.vocab, options: o, source: "the vocabulary")
        }
        emit(lines) { tokenizer.encode($0) }
    }

    /// RoBERTa's tokenizer when `vocab` is one: a directory with vocab.json + merges.txt or a
    /// BPE tokenizer.json, or such a tokenizer.json; nil for WordPiece files.
    static func byteLevelBPE(_ vocab: String) throws -> ByteLevelBPETokenizer? {
        let dir = FileSystem.isDirectory(vocab) ? vocab : FileSystem.directory(of: vocab)
        let json = FileSystem.isDirectory(vocab) ? FileSystem.join(vocab, "tokenizer.json") : vocab
        let isBPE: Bool
        if json.hasSuffix(".json"), FileSystem.exists(json) {
            isBPE = (try FileSystem.readJSON(json, limit: 256 << 20))["model"]?["type"]?.stringValue == "BPE"
        } else {
            isBPE = FileSystem.exists(FileSystem.join(dir, "merges.txt"))
        }
        guard isBPE else { return nil }
        do {
            return FileSystem.isDirectory(vocab)
                ? try ByteLevelBPETokenizer.load(directory: vocab)
                : try ByteLevelBPETokenizer.load(tokenizerJSON: vocab)
        } catch { throw CommandFailure(message: "error: \(error)", code: 2) }
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
