import Foundation
import Synchronization

/// How many threads TensorKit's own kernels and its matrix products use, as
/// `torch.set_num_threads` does for PyTorch.
///
/// TensorKit splits its elementwise, row and reduction kernels across ``kernelThreads``
/// threads, and each large matrix product across ``blasThreads`` threads of the same pool.
/// With OpenBLAS the library itself is set to one thread at the first product and every product
/// is cut into that many row (or column) blocks, one single-threaded `sgemm` each: one pool of
/// threads, not two. (OpenBLAS's own workers spin for a while after each product, and a spinning
/// worker takes a core from the next kernel; PyTorch runs its BLAS and its kernels on one OpenMP
/// pool for the same reason.) With another BLAS library, products run inside it as they are.
/// The pool's workers spin for 100 µs between regions before they sleep, so back-to-back
/// kernels start without a wake-up through the operating system.
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

    /// OpenBLAS's thread setter, where the linked BLAS library is OpenBLAS.
    private static let openBLASSetter: SetThreads? = dlsym(nil, "openblas_set_num_threads").map {
        unsafeBitCast($0, to: SetThreads.self)
    }

    /// Threads per matrix product when TensorKit splits them (``splitsProducts``).
    private static let productThreadCount = Atomic<Int>(1)

    /// Whether TensorKit splits matrix products itself: true with OpenBLAS, whose own setting at
    /// the first use (`OPENBLAS_NUM_THREADS`, else its core count) becomes the threads per
    /// product, after which OpenBLAS is set to one thread.
    private static let splitsProducts: Bool = {
        guard let set = openBLASSetter, let symbol = dlsym(nil, "openblas_get_num_threads") else { return false }
        productThreadCount.store(Swift.max(1, Int(unsafeBitCast(symbol, to: GetThreads.self)())), ordering: .relaxed)
        set(1)
        return true
    }()

    /// Sets the number of threads each matrix product uses where TensorKit can (OpenBLAS
    /// linked: it splits the products itself); returns false, changing nothing, where it
    /// cannot (another BLAS library keeps its own setting).
    @discardableResult
    public static func setBLASThreads(_ count: Int) -> Bool {
        guard splitsProducts else { return false }
        productThreadCount.store(Swift.max(1, count), ordering: .relaxed)
        return true
    }

    /// Threads per matrix product, or nil where the BLAS library is not OpenBLAS (its own
    /// setting then applies).
    public static var blasThreads: Int? {
        splitsProducts ? productThreadCount.load(ordering: .relaxed) : nil
    }
}
