import Synchronization

/// A record of the matrix products TensorKit hands to BLAS, for benchmarks that measure a step
/// against the limit its GEMMs set (`train-bench --limit` replays them through raw
/// `cblas_sgemm`). Not part of the library's API: reach it with
/// `@_spi(Benchmarking) import TensorKit`.
///
/// While nothing records, the bridge pays one relaxed atomic load per product.
@_spi(Benchmarking)
public enum GEMMRecording {
    /// One BLAS call as the bridge made it (row-major).
    public struct Call: Hashable, Sendable {
        /// Whether BLAS read A / B transposed.
        public var transA: Bool, transB: Bool
        /// `C [m, n] = op(A) [m, k] · op(B) [k, n]`.
        public var m: Int, n: Int, k: Int
        /// Leading dimensions of A, B and C.
        public var lda: Int, ldb: Int, ldc: Int
        /// Whether the product was added to C (`beta = 1`, a bias written first) or replaced it.
        public var accumulates: Bool
        /// `dgemm` rather than `sgemm`.
        public var isDouble: Bool

        /// Multiply-adds times two.
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    private static let isOn = Atomic<Bool>(false)
    private static let calls = Mutex<[Call]>([])

    /// Runs `body` and returns what it returned together with every product BLAS was asked for
    /// meanwhile, in order. Calls do not nest.
    public static func record<R>(_ body: () throws -> R) rethrows -> (result: R, calls: [Call]) {
        calls.withLock { $0 = [] }
        isOn.store(true, ordering: .relaxed)
        defer { isOn.store(false, ordering: .relaxed) }
        let result = try body()
        return (result, calls.withLock { $0 })
    }

    /// Notes one call when recording (the GEMM bridge calls this).
    @inline(__always)
    static func note(_ call: @autoclosure () -> Call) {
        guard isOn.load(ordering: .relaxed) else { return }
        let call = call()
        calls.withLock { $0.append(call) }
    }
}
