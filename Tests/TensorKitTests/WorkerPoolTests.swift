import Dispatch
import Foundation
import Synchronization
import Testing
@testable import TensorKit

/// `WorkerPool` (behind `Parallel.forPieces`): every piece runs exactly once, regions follow
/// each other with spinning and with sleeping workers, nested and concurrent regions run inline.
@Suite(.serialized) struct WorkerPoolTests {
    /// Runs one region of `pieces` and returns how often each piece ran.
    private func counts(pieces: Int) -> [Int] {
        let hits = Mutex([Int](repeating: 0, count: pieces))
        WorkerPool.shared.run(pieces: pieces) { piece in hits.withLock { $0[piece] += 1 } }
        return hits.withLock { $0 }
    }

    @Test func everyPieceRunsOnceInBackToBackRegions() {
        for round in 0..<5_000 {
            let pieces = 1 + round % 5
            let ran = counts(pieces: pieces)
            #expect(ran == [Int](repeating: 1, count: pieces), "round \(round)")
            if ran != [Int](repeating: 1, count: pieces) { return }
        }
    }

    /// Pauses longer than the workers' spin: they sleep and must be woken for the next region.
    @Test func regionsAfterTheWorkersSleptStillRun() {
        for round in 0..<20 {
            usleep(useconds_t(WorkerPool.spinNanoseconds / 1_000 * 3))
            #expect(counts(pieces: 2) == [1, 1], "round \(round)")
        }
    }

    /// A region started from a piece runs inline (the pool is busy) and completes.
    @Test func nestedRegionsRunInline() {
        let total = Atomic<Int>(0)
        WorkerPool.shared.run(pieces: 2) { _ in
            WorkerPool.shared.run(pieces: 3) { _ in total.wrappingAdd(1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 6)
    }

    /// Regions from several threads at once: one uses the workers, the others run inline.
    @Test func concurrentCallersAllComplete() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<500 {
                WorkerPool.shared.run(pieces: 2) { _ in total.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 500 * 2)
    }

    /// The kernels on top give the same sums as a serial loop.
    @Test func parallelRangesCoverEveryIndex() {
        let count = 1 << 20
        let seen = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: count)
        defer { seen.deallocate() }
        seen.initialize(repeating: 0)
        Parallel.forRanges(count) { range in for i in range { seen[i] += 1 } }
        #expect(seen.allSatisfy { $0 == 1 })
    }
}
