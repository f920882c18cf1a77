import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport

@Suite("reader registry")
struct RegistryTests {
    @Test("no two readers claim the same format name")
    func formatsAreUnique() {
        let all = Checkpoints.readers.flatMap { $0.formats }
        #expect(Set(all).count == all.count, "\(all)")
        #expect(Set(all.map(\.rawValue)).count == all.count)
    }

    @Test(
        "each fixture is recognised by the reader whose formats include what it opens as",
        arguments: [
            "safetensors/mixed.safetensors", "safetensors/sharded/model.safetensors.index.json", "keras/textclf_k2.h5",
            "keras/textclf_k3.weights.h5", "references/tiny_bert_pt", "keras/textclf_k3.keras",
            "keras/textclf_k3_sharded.weights.json", "pytorch/tensors.pt",
            "pytorch/tiny_bert_bin_sharded/pytorch_model.bin.index.json",
            "keras/hf_bert_sharded/tf_model.h5.index.json", "tensorflow/tf1_names/model.ckpt.index",
        ])
    func recognisedByItsReader(_ rel: String) throws {
        let path = TestFixtures.path(rel)
        let reader = try Checkpoints.reader(for: path)
        let opened = try Checkpoints.open(path)
        #expect(reader.formats.contains(opened.format), "\(rel): \(reader) opened \(opened.format)")
        #expect(Checkpoints.readers.filter { $0.formats.contains(opened.format) }.count == 1)
    }

    @Test("a file no reader recognises is refused by name")
    func unrecognised() throws {
        let dir = try TestFixtures.scratchDirectory("registry")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/notes.txt"
        try Data("just some text\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect { _ = try Checkpoints.open(path) } throws: {
            "\($0)".contains("notes.txt: not a checkpoint WeightKit reads")
        }
    }
}
