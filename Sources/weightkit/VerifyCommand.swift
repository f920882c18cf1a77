import ArgumentParser
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitTensorFlow
import WeightKitTokenizer
import WeightKitVerification

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Run a checkpoint on a reference bundle's inputs and compare every output with the original framework's.",
        discussion:
            "The bundle is a safetensors file of input.* and output.* tensors (Schemas/reference-bundle.md). Token outputs are compared where attention_mask is 1; pass rule |a − e| ≤ atol + rtol·|e| (float32 defaults: atol 1e-5, rtol 1.3e-6, as torch.testing). Exit 0 pass, 1 mismatch, 2 bad input."
    )

    @Argument(help: "Checkpoint (any format WeightKit reads; a graph-ready .wkc needs nothing else).") var checkpoint:
        String
    @Option(help: "Reference bundle (.safetensors).") var reference: String
    @Option(help: "The graph (\(GraphKind.names)); must agree with the bundle's model.kind.") var model: GraphKind?
    @Option(
        help:
            "A config overriding the one found or inferred (Hugging Face config.json for BERT; the keys of `weightkit params` for text-classifier)."
    ) var config: String?
    @Option(help: "Absolute tolerance (default by dtype, or the bundle's 'atol').") var atol: Double?
    @Option(help: "Relative tolerance (default by dtype, or the bundle's 'rtol').") var rtol: Double?
    @Option(
        help:
            "vocab.txt or tokenizer.json for bundles whose inputs are given as text (default: the model directory's tokenizer.json, else vocab.txt)."
    ) var vocab: String?
    @Option(
        help:
            "A TF-Hub BERT preprocess SavedModel that made the bundle's text inputs: its tokenisation is reproduced (see run --preprocess)."
    ) var preprocess: String?
    @Option(
        help:
            "Text classifier: the TextVectorization vocabulary, one token per line as get_vocabulary() returns it (for a .h5 whose adapted vocabulary Keras did not save)."
    ) var vocabulary: String?
    @Flag(
        help:
            "Tokenise the bundle's input.text even when it also holds ids (and say whether the ids agree): verifies the tokenisation too."
    ) var fromText = false
    @Option(help: "Also write the report as JSON to this path (Schemas/verify.schema.json).") var json: String?

    func run() throws {
        let bundle = try ReferenceBundle(path: reference)
        if let model, model != bundle.kind {
            throw CommandFailure(
                message: "error: --model \(model.rawValue) but \(reference) is a \(bundle.kind.rawValue) bundle",
                code: 2)
        }
        var tokenizer: TokenizerFiles?
        if let preprocess {
            do { tokenizer = try TFHubPreprocessor.load(preprocess).tokenizerFiles() } catch {
                throw CommandFailure(message: "error: \(error)", code: 2)
            }
        }
        var vectorizer: KerasTextVectorizer?
        if bundle.kind == .textClassifier, bundle.texts != nil {
            do {
                vectorizer = try TextClassifierVectorizer.find(
                    for: try Checkpoints.open(checkpoint), vocabularyFile: nil)
            } catch let e as KerasTextVectorizer.Problem {
                throw CommandFailure(message: "error: \(e.description)", code: 2)
            }
        }
        let report = try Verifier.verify(
            checkpoint: checkpoint, reference: reference, atol: atol, rtol: rtol,
            config: try GraphConfigOption.read(config, for: bundle.kind), vocab: vocab, tokenizer: tokenizer,
            fromText: fromText, vectorizer: vectorizer)
        Terminal.write(report.text)
        if let json {
            let writer = try AtomicFileWriter(destination: json)
            try writer.write(Array((report.json.serialized(indent: 2) + "\n").utf8))
            try writer.commit()
        }
        if !report.passed { throw ExitCode(1) }
    }
}
