import ArgumentParser
import Foundation
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
import WeightKitGraphs
import WeightKitKeras
import WeightKitMapping
import WeightKitTensorFlow
import WeightKitTokenizer
import WeightKitVerification

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Tokenise text, run a BERT checkpoint on it, print the outputs.",
        discussion:
            "The tokenizer is the model directory's tokenizer.json, else its vocab.txt with tokenizer_config.json (casing, special tokens), unless --vocab names a vocab.txt or tokenizer.json. The maximum length is sentence_bert_config.json's max_seq_length, else tokenizer_config.json's model_max_length, capped at the model's positions. Outputs: sentence_embedding, pooler_output, logits (with softmax), last_hidden_state (a summary)."
    )

    @Argument(help: "BERT checkpoint (any format the mapper binds).") var checkpoint: String
    @Option(help: "A text to run (repeat for a batch).") var text: [String] = []
    @Option(help: "A file of texts to run, one per line (after any --text).") var textFile: String?
    @Option(help: "Second sentence of a pair, one per --text.") var pair: [String] = []
    @Option(help: "vocab.txt or tokenizer.json (default: the model directory's tokenizer files).") var vocab: String?
    @Option(
        help:
            "A TF-Hub BERT preprocess SavedModel whose tokenisation to reproduce (its assets/vocab.txt, tensorflow_text's normalisation, uncased when its graph case-folds, its seq_length)."
    ) var preprocess: String?
    @Option(help: "Outputs to print (repeatable).") var output: [String] = []
    @Option(help: "Maximum sequence length (default: from the tokenizer files, else the model's positions).")
    var maxLength: Int?
    @Option(
        help:
            "Text classifier: the TextVectorization vocabulary, one token per line as get_vocabulary() returns it (for a .h5 whose adapted vocabulary Keras did not save)."
    ) var vocabulary: String?
    @Option(help: "Text classifier: class names, comma-separated or a file with one per line.") var labels: String?
    @Option(
        help:
            "Arithmetic of the encoder's linear layers: f32, bf16 (AVX512_BF16 or AMX) or int8 (VNNI). Below f32 the run is repeated in f32 and the drift of every output printed (with --json: {\"results\", \"drift\"})."
    ) var precision: Precision?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !text.isEmpty || textFile != nil else { throw ValidationError("give at least one --text or --text-file") }
        guard pair.isEmpty || pair.count == text.count else {
            throw ValidationError("give one --pair per --text (\(text.count)), or none")
        }
    }

    /// A TF-Hub preprocessor's WordPiece tokenizer (--preprocess).
    func preprocessorTokenizer(_ preprocess: String) throws -> TokenizerFiles {
        do { return try TFHubPreprocessor.load(preprocess).tokenizerFiles() } catch {
            throw CommandFailure(message: "error: \(error)", code: 2)
        }
    }

    func run() throws {
        let text = try text + (textFile.map { try TokenizeCommand.lines($0) } ?? [])
        let c = try Checkpoints.open(checkpoint)
        let report = try Graphs.map(c)
        if report.passed, report.kind == .textClassifier { return try runTextClassifier(c, report, text) }
        guard report.passed, let config = report.config else {
            Terminal.write(report.text)
            throw CommandFailure(
                message: "error: \(checkpoint) does not map onto a BERT-family graph (report above)", code: 1)
        }
        // The model's tokenizer (WordPiece or RoBERTa's byte-level BPE): a TF-Hub preprocessor's
        // with --preprocess, else --vocab, else the one the checkpoint carries or has beside it.
        let tokenizer: any TextTokenizer
        if let preprocess {
            tokenizer = try preprocessorTokenizer(preprocess)
        } else {
            do {
                tokenizer = try TextTokenizers.load(
                    config.architecture.tokenizer, for: c, path: checkpoint, vocab: vocab)
            } catch {
                throw CommandFailure(message: "error: \(error)", code: 2)
            }
        }
        let positions = config.maxSequenceLength
        let batch = tokenizer.encodeBatch(
            text, pairs: pair.isEmpty ? nil : pair,
            maxLength: min(maxLength ?? tokenizer.maxLength ?? positions, positions), padTo: nil)
        let describe = tokenizer.describe
        let model = try BertModel(
            config: config, source: MappedParameterSource(checkpoint: c, report: report), precision: precision)
        var wanted = output
        if wanted.isEmpty {
            wanted =
                model.hasClassifier ? ["logits"] : ["sentence_embedding"] + (model.hasPooler ? ["pooler_output"] : [])
        }
        // TF-Hub's names for the outputs (what hub.KerasLayer returns) are accepted as well as ours:
        // the reference bundles' aliases, and `default`, TF-Hub's other name for the pooled output.
        let ours: (String) -> String = { $0 == "default" ? "pooler_output" : ReferenceBundle.canonical($0) }
        for w in wanted where !model.outputNames.contains(ours(w)) {
            throw CommandFailure(
                message: "error: the graph has no output '\(w)' (it has \(model.outputNames.joined(separator: ", ")))",
                code: 2)
        }
        let inputs = BertModel.Inputs(
            inputIds: batch.map(\.inputIds), attentionMask: batch.map(\.attentionMask),
            tokenTypeIds: batch.map(\.tokenTypeIds))
        let out = try model.forward(inputs, outputs: Set(wanted.map(ours)))
        var drift: PrecisionDrift?
        if model.precision != .f32 {
            let reference = try BertModel(
                config: config, source: MappedParameterSource(checkpoint: c, report: report), precision: .f32)
            drift = PrecisionDrift.measure(
                precision: model.precision, kernels: model.kernels, reduced: out,
                reference: try reference.forward(inputs, outputs: Set(wanted.map(ours))),
                attentionMask: inputs.attentionMask, against: PrecisionDrift.reference(for: model))
        }
        var results: [JSONValue] = []
        var textOut = ""
        for (i, t) in text.enumerated() {
            var item: JSONObject = ["text": .string(t), "tokens": .int(batch[i].attentionMask.reduce(0, +))]
            if !pair.isEmpty { item["pair"] = .string(pair[i]) }
            textOut +=
                "[\(i)] \(t)\(pair.isEmpty ? "" : " ||| " + pair[i])  (\(batch[i].attentionMask.reduce(0, +)) tokens)\n"
            for w in wanted {
                guard let g = out[ours(w)] else { continue }
                let per = g.values.count / g.shape[0]
                var row = Array(g.values[(i * per)..<((i + 1) * per)])
                if w == "logits" {
                    let m = row.max() ?? 0
                    let e = row.map { Foundation.exp(Double($0 - m)) }
                    let sum = e.reduce(0, +)
                    item["probabilities"] = .array(e.map { .double($0 / sum) })
                    textOut +=
                        "  logits [" + row.map { fmt($0) }.joined(separator: ", ") + "], softmax ["
                        + e.map { fmt(Float($0 / sum)) }.joined(separator: ", ") + "]\n"
                } else if g.shape.count == 3 {
                    let n = batch[i].attentionMask.reduce(0, +) * g.shape[2]
                    row = Array(row.prefix(n))
                    textOut +=
                        "  \(w) [\(batch[i].attentionMask.reduce(0, +)), \(g.shape[2])], mean \(fmt(row.reduce(0, +) / Float(max(1, row.count))))\n"
                } else {
                    let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    textOut +=
                        "  \(w) [\(row.count)] " + row.prefix(6).map { fmt($0) }.joined(separator: " ")
                        + " … ‖x‖ \(fmt(norm))\n"
                }
                item[w] = .array(row.map { .double(Double($0)) })
            }
            results.append(.object(item))
        }
        if json {
            let value: JSONValue =
                drift.map { .object(["results": .array(results), "drift": $0.json]) } ?? .array(results)
            Terminal.write(value.serialized(indent: 2) + "\n")
        } else {
            Terminal.write(textOut + describe + "\n" + (drift?.text ?? ""))
        }
    }

    /// The notebook's classifier on raw strings: its own TextVectorization (or --vocabulary with
    /// the saved config), the graph, the probabilities and the arg-max class.
    private func runTextClassifier(_ c: any Checkpoint, _ report: MappingReport, _ text: [String]) throws {
        var found: KerasTextVectorizer?
        do { found = try TextClassifierVectorizer.find(for: c, vocabularyFile: vocabulary) } catch let e
            as KerasTextVectorizer.Problem
        {
            throw CommandFailure(message: "error: \(e.description)", code: 2)
        }
        guard let vectorizer = found else {
            throw CommandFailure(
                message:
                    "error: \(checkpoint) is a text classifier without a TextVectorization layer: it takes token ids (verify with an id bundle)",
                code: 2)
        }
        guard let config = report.textClassifierConfig else { return }
        let model = try TextClassifierModel(
            config: config, source: MappedParameterSource(checkpoint: c, report: report))
        let ids = text.map { vectorizer.ids($0) }
        guard let probabilities = try model.forward(tokenIds: ids, outputs: ["probabilities"])["probabilities"] else {
            return
        }
        let names = try Self.labels(labels, classes: config.numClasses)
        var results: [JSONValue] = [], out = ""
        for (i, t) in text.enumerated() {
            let row = Array(probabilities.values[(i * config.numClasses)..<((i + 1) * config.numClasses)])
            let best = row.indices.max { row[$0] < row[$1] } ?? 0
            var item: JSONObject = [
                "text": .string(t), "token_ids": .array(ids[i].map { .int($0) }),
                "probabilities": .array(row.map { .double(Double($0)) }), "class": .int(best),
            ]
            if let names { item["label"] = .string(names[best]) }
            results.append(.object(item))
            out += "[\(i)] \(t)  (\(ids[i].filter { $0 != 0 }.count) tokens)\n"
            out += "  probabilities [" + row.map { fmt($0) }.joined(separator: ", ") + "]\n"
            out += "  class \(best)" + (names.map { " (\($0[best]))" } ?? "") + "\n"
        }
        Terminal.write(json ? JSONValue.array(results).serialized(indent: 2) + "\n" : out + vectorizer.summary + "\n")
    }

    /// `--labels`: comma-separated names, or a file with one per line; as many as the classes.
    static func labels(_ option: String?, classes: Int) throws -> [String]? {
        guard let option else { return nil }
        var names = option.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if FileSystem.exists(option), let text = try? String(contentsOfFile: option, encoding: .utf8) {
            names = text.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        guard names.count == classes else {
            throw CommandFailure(
                message: "error: --labels names \(names.count) classes; the model has \(classes)", code: 2)
        }
        return names
    }

    private func fmt(_ v: Float) -> String { String(Double((v * 10000).rounded()) / 10000) }
}
