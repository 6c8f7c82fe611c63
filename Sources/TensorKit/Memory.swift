import Foundation

/// How much memory tensors hold, and the cache of freed buffers, as MLX's `Memory` reports it.
///
/// TensorKit keeps large freed buffers (64 KiB and up) for reuse instead of returning them at
/// once: a training step allocates the same sizes every step, and fresh pages cost more to
/// fault in than the arithmetic that fills them. ``cacheLimit`` bounds what is kept idle.
/// Large buffers are mapped from the system directly, so whatever leaves the cache leaves the
/// process too.
///
/// ```swift
/// Memory.resetPeak()
/// let loss = model.loss(inputs, targets: targets)
/// loss.backward()
/// print(Memory.peakActiveBytes / 1_048_576, "MiB at most in tensors during the step")
/// ```
public enum Memory {
    /// The cache limit a process starts with: 1 GiB, or `TENSORKIT_CACHE_LIMIT_MB` from the
    /// environment when set (read once, at first use). The cache is also trimmed towards the
    /// most memory tensors have held at once (plus an eighth and 64 MB) before new memory is mapped, so
    /// in practice it holds what the next phase of a step will reuse, not the whole limit.
    public static let defaultCacheLimit: Int = {
        if let text = ProcessInfo.processInfo.environment["TENSORKIT_CACHE_LIMIT_MB"], let mb = Int(text), mb >= 0 {
            return mb << 20
        }
        return 1 << 30
    }()

    /// Bytes of storage that tensors (and their views) hold now, memory-mapped files excluded.
    public static var activeBytes: Int { BufferCache.shared.activeBytes }

    /// The largest ``activeBytes`` since the process started or since ``resetPeak()``.
    public static var peakActiveBytes: Int { BufferCache.shared.peakActiveBytes }

    /// Starts a new peak measurement from the current ``activeBytes``.
    public static func resetPeak() { BufferCache.shared.resetPeak() }

    /// Bytes of freed buffers kept for reuse.
    public static var cachedBytes: Int { BufferCache.shared.cachedBytes }

    /// Most bytes of freed buffers kept for reuse; lowering it frees cached buffers at once.
    /// 0 turns the cache off (every buffer goes back to `malloc`).
    public static var cacheLimit: Int {
        get { BufferCache.shared.limit }
        set { BufferCache.shared.limit = newValue }
    }

    /// Returns every cached buffer to the system (the limit stays as it is).
    public static func clearCache() { BufferCache.shared.trim(to: 0) }
}
