import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits element loops across cores. Small loops run inline: threads only pay off for large ones.
enum Parallel {
    /// Threads the kernels may use (``Threads/kernelThreads``).
    static var threadCount: Int { Threads.kernelThreads }

    /// Below this many elements of work a loop stays on the calling thread.
    static let threshold = 1 << 15

    /// Runs `body` over disjoint sub-ranges covering `0..<count`, concurrently when `count` times
    /// `costPerItem` is large enough. `body` must only write to its own sub-range.
    @inline(__always)
    static func forRanges(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let work = count * costPerItem
        let chunks = Swift.min(threadCount, work / threshold)
        if chunks <= 1 || count < 2 {
            body(0..<count)
            return
        }
        let pieces = Swift.min(chunks, count)
        forPieces(pieces) { piece in
            body(count * piece / pieces ..< count * (piece + 1) / pieces)
        }
    }

    /// Runs `body(0) … body(pieces − 1)` concurrently on the pool's threads. Each piece must only
    /// write what no other piece touches.
    /// (``WorkerPool``: its workers spin briefly between regions instead of sleeping.)
    @inline(__always)
    static func forPieces(_ pieces: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(pieces: pieces, body)
    }
}

/// Carries a value across threads where the caller guarantees the accesses do not race.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
