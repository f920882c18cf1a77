import Dispatch
import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport

/// One opened checkpoint, many threads reading every tensor at once: each thread must see exactly
/// what a single thread sees — mapped views, HDF5 reads (libhdf5 is serialised by a lock),
/// strided torch views and deflated records materialised per call, shards through a composite.
@Suite("concurrent reads of one opened checkpoint")
struct ConcurrentReadTests {
    @Test(
        "8 threads × every tensor give the single-threaded bytes",
        arguments: [
            "safetensors/mixed.safetensors", "safetensors/sharded", "keras/textclf_k2.h5",
            "keras/chunked_k3.weights.h5",
            "keras/textclf_k3.keras", "pytorch/tensors.pt", "pytorch/tensors_deflated.pt",
            "pytorch/tiny_bert_bin_sharded",
        ])
    func concurrent(_ fixture: String) throws {
        let c = try Checkpoints.open(TestFixtures.path(fixture))
        // (A view that is a copy lives only as long as the view: keep it alive while hashing.)
        let serial = try c.tensors.map { t in
            let v = try c.view(t); return withExtendedLifetime(v) { SHA256Digest.hex(of: v.bytes) }
        }
        let threads = 8
        let results = UnsafeMutableBufferPointer<[String]>.allocate(capacity: threads)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: threads) { k in
            // Each thread walks the tensors from a different starting point.
            var hashes = [String](repeating: "", count: c.tensors.count)
            for j in 0..<c.tensors.count {
                let i = (j + k * 7) % c.tensors.count
                if let v = try? c.view(c.tensors[i]) {
                    hashes[i] = withExtendedLifetime(v) { SHA256Digest.hex(of: v.bytes) }
                } else {
                    hashes[i] = "error"
                }
            }
            out[k] = hashes
        }
        for k in 0..<threads { #expect(results[k] == serial, "\(fixture): thread \(k) saw different bytes") }
    }
}
