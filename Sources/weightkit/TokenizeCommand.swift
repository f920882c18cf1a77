import ArgumentParser
import WeightKitCheckpoints
import WeightKitTokenizer
import Foundation

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract:
            "Tokenise text with a BERT vocabulary (WordPiece, as Hugging Face's BertTokenizer): one line of ids per input line."
    )

    @Argument(help: "A text file (one sequence per line); - for standard input.") var file: String
    @Option(
        help:
            "The model's vocab.txt, tokenizer.json or directory (tokenizer.json, else vocab.txt with tokenizer_config.json)."
    ) var vocab: String
    @Flag(help: "Cased: no lower-casing or accent stripping, whatever the tokenizer files say.") var cased = false
    @Flag(help: "Print only the totals (lines, tokens, time).") var summary = false

    func run() throws {
        let isDirectory = FileSystem.isDirectory(vocab)
        var tokenizer = try TokenizerFiles.load(
            directory: isDirectory ? vocab : FileSystem.directory(of: vocab), vocab: isDirectory ? nil : vocab
        ).tokenizer
        if cased {
            var o = tokenizer.options
            o.lowercase = false
            o.stripAccents = false
            tokenizer = try WordPieceTokenizer(vocab: tokenizer.vocab, options: o, source: vocab)
        }
        let data =
            file == "-"
            ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        if lines.last == "" { lines.removeLast() }
        let start = Clock.now
        var out = ""
        var tokens = 0
        for line in lines {
            let ids = tokenizer.encode(line)
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
