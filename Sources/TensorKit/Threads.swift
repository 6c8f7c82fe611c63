import Foundation
import Synchronization

/// How many threads TensorKit's own kernels and the BLAS library use, as
/// `torch.set_num_threads` does for PyTorch.
///
/// TensorKit splits its elementwise, row and reduction kernels across ``kernelThreads``
/// threads; matrix products run inside BLAS, which keeps its own pool. On a machine shared with
/// other jobs, fewer threads than cores can be faster: idle BLAS workers spin for a while after
/// each product, and a spinning worker takes a core from the next kernel.
///
/// ```swift
/// Threads.kernelThreads = 1
/// Threads.setBLASThreads(1)   // false when the BLAS library has no such setting
/// ```
public enum Threads {
    /// Cores available to this process.
    public static let coreCount: Int = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private static let kernelThreadCount = Atomic<Int>({
        if let text = ProcessInfo.processInfo.environment["TENSORKIT_NUM_THREADS"], let n = Int(text), n > 0 { return n }
        return coreCount
    }())

    /// Threads for TensorKit's own kernels (at least 1): the core count, or
    /// `TENSORKIT_NUM_THREADS` from the environment when set.
    public static var kernelThreads: Int {
        get { kernelThreadCount.load(ordering: .relaxed) }
        set { kernelThreadCount.store(Swift.max(1, newValue), ordering: .relaxed) }
    }

    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    /// Sets the BLAS library's thread count where it has a setting for it (OpenBLAS's
    /// `openblas_set_num_threads`); returns false, changing nothing, where it has none.
    @discardableResult
    public static func setBLASThreads(_ count: Int) -> Bool {
        guard let symbol = dlsym(nil, "openblas_set_num_threads") else { return false }
        unsafeBitCast(symbol, to: SetThreads.self)(Int32(Swift.max(1, count)))
        return true
    }

    /// The BLAS library's thread count, or nil where it does not say (not OpenBLAS).
    public static var blasThreads: Int? {
        guard let symbol = dlsym(nil, "openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(symbol, to: GetThreads.self)())
    }
}
