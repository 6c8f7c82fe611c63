#if canImport(Glibc)
import Glibc
#endif

/// A reference-counted, 64-byte aligned block of memory that tensors view.
///
/// Several tensors (views) may share one storage; the memory is freed when the last one goes.
/// Storage may also wrap memory owned by someone else (a memory-mapped file), in which case the
/// `deallocator` given at creation releases it.
public final class Storage {
    /// The first byte.
    public let pointer: UnsafeMutableRawPointer
    /// Size in bytes.
    public let byteCount: Int
    private let deallocator: ((UnsafeMutableRawPointer) -> Void)?

    /// Allocates `byteCount` bytes aligned to 64 bytes, zero-filled when `zeroed`.
    public init(byteCount: Int, zeroed: Bool = false) {
        self.pointer = BufferCache.shared.allocate(byteCount, zeroed: zeroed)
        self.byteCount = byteCount
        self.deallocator = nil
    }

    /// Wraps memory owned elsewhere; `deallocator` runs when the storage is released.
    public init(wrapping pointer: UnsafeMutableRawPointer, byteCount: Int,
                deallocator: @escaping (UnsafeMutableRawPointer) -> Void) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.deallocator = deallocator
    }

    deinit {
        if let deallocator { deallocator(pointer) } else { BufferCache.shared.release(pointer, byteCount) }
    }
}

@available(*, unavailable, message: "Storage is shared mutable memory; it is not Sendable")
extension Storage: Sendable {}
