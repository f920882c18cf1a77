import ArgumentParser
import Foundation
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
import WeightKitGraphs
import WeightKitTensorFlow
import WeightKitTokenizer
import WeightKitVerification

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Run a checkpoint on a reference bundle's inputs and compare every output with the original framework's — or, with --against, with the checkpoint it was converted from.",
        discussion:
            "The bundle is a safetensors file of input.* and output.* tensors (Schemas/reference-bundle.md). Token outputs are compared where attention_mask is 1; pass rule |a − e| ≤ atol + rtol·|e| (float32 defaults: atol 1e-5, rtol 1.3e-6, as torch.testing). Exit 0 pass, 1 mismatch, 2 bad input."
    )

    @Argument(help: "Checkpoint (any format WeightKit reads; a graph-ready .wkc needs nothing else).")
    var checkpointArgument: String?
    var checkpoint: String { checkpointArgument ?? "" }
    @Option(
        help:
            "Make the Python environment --framework needs (torch, sentence-transformers, tensorflow, keras: the producer's pip extras) under the cache directory, reused by later runs; then exit."
    ) var setup: String?
    @Option(help: "Reference bundle (.safetensors).") var reference: String?
    @Option(
        help:
            "Verify against another checkpoint WeightKit reads (the one CHECKPOINT was converted from): both run through WeightKit's graph on seeded random inputs, and the report shows the drift the conversion introduced, per output and per layer."
    ) var against: String?
    @Option(
        help: "With --against: the inputs' batch and sequence length, BxS (a text classifier takes its own length)."
    ) var batch = "2x16"
    @Option(help: "With --against: the seed of the random inputs.") var seed: UInt64 = 0
    @Option(help: "With --against: keep the reference bundle made from the original at this path.")
    var keepReference: String?
    @Option(
        help:
            "With --against: run SOURCE in its own framework instead of WeightKit's graph — hf (transformers, PyTorch), hf-tf (transformers, TensorFlow), sentence-transformers, keras, tfhub (a TF-Hub / SavedModel encoder through hub.KerasLayer; --preprocess for --text) — through the producer in python/ (weightkit-reference) in --python."
    ) var framework: ReferenceProducer.Framework?
    @Option(
        help:
            "With --framework: the Python that has weightkit-reference and the framework (default: WEIGHTKIT_PYTHON)."
    ) var python: String?
    @Option(help: "With --framework: texts for the framework's tokenizer (repeatable; default: random ids, --batch).")
    var text: [String] = []
    @Option(help: "With --framework: a file of texts, one per line (after any --text).") var textFile: String?
    @Option(help: "With --framework keras: the file defining the model's custom layers or its build function.")
    var definition: String?
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
    @Option(
        help:
            "Run the checkpoint's encoder linear layers in f32, bf16 (AVX512_BF16 or AMX) or int8 (VNNI); below f32 the report adds the drift of every output against the same checkpoint in f32 (the comparison with the reference keeps its tolerances: give --atol for the mode)."
    ) var precision: Precision?
    @Option(help: "Also write the report as JSON to this path (Schemas/verify.schema.json).") var json: String?

    func validate() throws {
        if let setup {
            guard ReferenceProducer.Framework.allCases.contains(where: { $0.extra == setup }) else {
                throw ValidationError("--setup \(setup): one of torch, sentence-transformers, tensorflow, keras, tfhub")
            }
            return
        }
        guard checkpointArgument != nil else { throw ValidationError("give the checkpoint to verify") }
        guard (reference == nil) != (against == nil) else {
            throw ValidationError("give one of --reference BUNDLE or --against SOURCE")
        }
        guard batchShape != nil else { throw ValidationError("--batch \(batch): BxS, e.g. 4x32") }
        if reference != nil && keepReference != nil { throw ValidationError("--keep-reference goes with --against") }
        if framework == nil && (python != nil || !text.isEmpty || textFile != nil || definition != nil) {
            throw ValidationError(
                "--python, --text, --text-file and --definition go with --against SOURCE --framework KIND")
        }
    }

    var batchShape: (Int, Int)? {
        let p = batch.split(separator: "x").compactMap { Int($0) }
        return p.count == 2 && p[0] > 0 && p[0] <= 256 && p[1] > 0 && p[1] <= 4096 ? (p[0], p[1]) : nil
    }

    func run() throws {
        if let setup {
            do {
                let py = try ReferenceProducer.setup(extra: setup)
                Terminal.write(
                    "ready: \(py) (used by verify --framework when no --python or WEIGHTKIT_PYTHON is given)\n")
                return
            } catch let e as ReferenceProducer.Failure {
                throw CommandFailure(message: "error: \(e.description)", code: 2)
            }
        }
        var scratch: String?
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        var reference = self.reference ?? ""
        if let against {
            // The original, run through WeightKit's own graph: the bundle the converted model is checked against.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "weightkit-against-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            scratch = dir.path
            reference = keepReference ?? dir.path + "/against.reference.safetensors"
            let (b, s) = batchShape!
            if let framework {
                do {
                    let py = try ReferenceProducer.python(explicit: python, framework: framework)
                    try ReferenceProducer.make(
                        framework: framework, source: against, python: py, batch: b, sequence: s, seed: seed,
                        texts: try text + (textFile.map { try TokenizeCommand.lines($0) } ?? []),
                        definition: definition, preprocess: preprocess, to: reference)
                } catch let e as ReferenceProducer.Failure {
                    throw CommandFailure(message: "error: \(e.description)", code: 2)
                }
                let made = try ReferenceBundle(path: reference)
                Terminal.write(
                    "reference: \(against) run by \(made.metadata["framework"] ?? framework.rawValue) (weightkit-reference \(framework.rawValue))\n"
                )
                return try verifyAgainstBundle(reference, against: against, ranBy: framework.rawValue)
            }
            let w: AgainstReference.Written
            do {
                w = try AgainstReference.write(
                    source: against, kind: model, config: try GraphConfigOption.read(config, for: model), batch: b,
                    sequence: s, seed: seed, to: reference)
            } catch let e as AgainstReference.NotMapped {
                throw CommandFailure(message: "error: \(e.description)", code: 2)
            }
            Terminal.write(
                "reference: \(against) (\(w.kind.rawValue), \(w.convention)) run by WeightKit on \(w.inputs) — no Python; this shows what the conversion changed\n"
            )
        }
        try verifyAgainstBundle(reference, against: against, ranBy: "WeightKit")
    }

    private func verifyAgainstBundle(_ reference: String, against: String?, ranBy: String) throws {
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
        var report = try Verifier.verify(
            checkpoint: checkpoint, reference: reference, atol: atol, rtol: rtol,
            config: try GraphConfigOption.read(config, for: bundle.kind), vocab: vocab, tokenizer: tokenizer,
            fromText: fromText, vectorizer: vectorizer, precision: precision)
        if let against, keepReference == nil { report.bundle = "\(against) (run by \(ranBy))" }
        Terminal.write(report.text)
        if let json {
            let writer = try AtomicFileWriter(destination: json)
            try writer.write(Array((report.json.serialized(indent: 2) + "\n").utf8))
            try writer.commit()
        }
        if !report.passed { throw ExitCode(1) }
    }
}

extension ReferenceProducer.Framework: ExpressibleByArgument {}
