import Foundation
import Testing
@testable import WeightKitKeras

#if os(Linux)
import Glibc

/// The forked probe tells a child that blocked (a lock another thread held at the fork: this
/// process's state, retried) from one that computes until the limit (libhdf5 looping on the
/// file: refused).
@Suite("HDF5 probe: blocked children are forked again, looping ones refused")
struct HDF5ProbeTests {
    static func elapsed(_ body: () throws -> Void) rethrows -> Double {
        let t = HDF5Probe.monotonicSeconds()
        try body()
        return HDF5Probe.monotonicSeconds() - t
    }

    @Test("a child asleep with no CPU time is killed after 2 s and forked again, then refused at the limit")
    func blockedIsRetried() throws {
        var error: (any Error)? = nil
        let t = Self.elapsed {
            do { try HDF5Probe.check("blocked.h5", fileSize: 0, timeLimit: 3) { sleep(60) } } catch let e { error = e }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("blocked.h5: corrupt HDF5 structure: libhdf5 did not finish"))
        // Two blocked attempts of 2 s each, then the last one runs to the limit.
        #expect(t >= 2 * HDF5Probe.blockedAfter + 3 - 0.5 && t < 20, "\(t) s")
    }

    @Test("a child that computes until the limit is refused at once, without a second fork")
    func loopingIsRefused() throws {
        var error: (any Error)? = nil
        let t = Self.elapsed {
            do {
                try HDF5Probe.check("loop.h5", fileSize: 0, timeLimit: 3) {
                    var x: UInt64 = 1
                    while x != 0 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
                }
            } catch let e { error = e }
        }
        #expect(error != nil)
        #expect(t >= 3 && t < 5, "\(t) s")
    }

    @Test("a child that finishes passes, and afterFork runs once")
    func finishes() throws {
        nonisolated(unsafe) var calls = 0
        try HDF5Probe.check("ok.h5", fileSize: 0, timeLimit: 3, afterFork: { calls += 1 }) {}
        #expect(calls == 1)
    }
}
#endif
