// The limit column of train-bench: the matrix products one step of a workload asked BLAS for,
// replayed through raw cblas_sgemm / cblas_dgemm on preallocated buffers. A step cannot be faster
// than this replay, so `ms_per_step / gemm_limit_ms` says how far from the limit a step runs.
import Foundation
import RawBLAS
@_spi(Benchmarking) import TensorKit

/// The recorded products of one step with buffers laid out for them, ready to run again.
final class GEMMReplay {
    /// The products, in the order the step made them.
    let calls: [GEMMRecording.Call]
    /// Where each call's A, B and C start in the arena (bytes).
    private let offsets: [(a: Int, b: Int, c: Int)]
    private let arena: UnsafeMutableRawPointer

    /// Lays the calls out in one arena of at most `capacity` bytes: consecutive calls get
    /// different memory (as in the step, where each product reads fresh activations), and the
    /// arena wraps around when the step's operands together would not fit.
    init(calls: [GEMMRecording.Call], capacity: Int = 512 << 20) {
        self.calls = calls
        func bytes(_ rows: Int, _ cols: Int, _ leading: Int, _ call: GEMMRecording.Call) -> Int {
            let elements = rows == 0 || cols == 0 ? 0 : (rows - 1) * leading + cols
            return (elements * (call.isDouble ? 8 : 4) + 63) & ~63
        }
        let sizes = calls.map { call in
            (a: call.transA ? bytes(call.k, call.m, call.lda, call) : bytes(call.m, call.k, call.lda, call),
             b: call.transB ? bytes(call.n, call.k, call.ldb, call) : bytes(call.k, call.n, call.ldb, call),
             c: bytes(call.m, call.n, call.ldc, call))
        }
        let largest = sizes.map { $0.a + $0.b + $0.c }.max() ?? 0
        let total = sizes.reduce(0) { $0 + $1.a + $1.b + $1.c }
        let arenaBytes = Swift.max(64, Swift.max(largest, Swift.min(total, capacity)))
        arena = UnsafeMutableRawPointer.allocate(byteCount: arenaBytes, alignment: 64)
        // Small values of both signs, so repeated accumulation (beta = 1) stays far from overflow.
        let floats = arena.bindMemory(to: Float.self, capacity: arenaBytes / 4)
        var state: UInt32 = 12345
        for i in 0..<(arenaBytes / 4) {
            state = state &* 1_664_525 &+ 1_013_904_223
            floats[i] = Float(Int32(bitPattern: state) >> 8) / Float(1 << 23) * 0.01
        }
        var cursor = 0
        offsets = sizes.map { size in
            // A call's three operands sit together; wrap to the start when they would not fit.
            if cursor + size.a + size.b + size.c > arenaBytes { cursor = 0 }
            defer { cursor += size.a + size.b + size.c }
            return (cursor, cursor + size.a, cursor + size.a + size.b)
        }
    }

    deinit { arena.deallocate() }

    /// Total floating-point operations of one replay.
    var flops: Double { calls.reduce(0) { $0 + $1.flops } }

    /// Sets OpenBLAS's own thread count (nothing with another BLAS library).
    static func setLibraryThreads(_ count: Int) {
        typealias SetThreads = @convention(c) (Int32) -> Void
        guard let symbol = dlsym(nil, "openblas_set_num_threads") else { return }
        unsafeBitCast(symbol, to: SetThreads.self)(Int32(count))
    }

    /// Runs every product once, in order.
    func run() {
        for (call, offset) in zip(calls, offsets) {
            let flagA = call.transA ? CblasTrans : CblasNoTrans, flagB = call.transB ? CblasTrans : CblasNoTrans
            let (m, n, k) = (Int32(call.m), Int32(call.n), Int32(call.k))
            let (lda, ldb, ldc) = (Int32(call.lda), Int32(call.ldb), Int32(call.ldc))
            if call.isDouble {
                let a = (arena + offset.a).assumingMemoryBound(to: Double.self)
                let b = (arena + offset.b).assumingMemoryBound(to: Double.self)
                let c = (arena + offset.c).assumingMemoryBound(to: Double.self)
                cblas_dgemm(CblasRowMajor, flagA, flagB, m, n, k, 1, a, lda, b, ldb, call.accumulates ? 1 : 0, c, ldc)
            } else {
                let a = (arena + offset.a).assumingMemoryBound(to: Float.self)
                let b = (arena + offset.b).assumingMemoryBound(to: Float.self)
                let c = (arena + offset.c).assumingMemoryBound(to: Float.self)
                cblas_sgemm(CblasRowMajor, flagA, flagB, m, n, k, 1, a, lda, b, ldb, call.accumulates ? 1 : 0, c, ldc)
            }
        }
    }
}
