import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed large buffers for reuse, keyed by size, and counts the bytes tensors hold.
///
/// A training step allocates the same activation and gradient sizes every step. Fresh large
/// blocks come from the kernel as untouched pages, and faulting them in from several threads at
/// once costs more than the arithmetic (measured: 4.4 ms vs 0.8 ms for a 4M-element add on two
/// threads). Reusing blocks avoids that, as MLX's buffer cache does.
///
/// Two bounds keep the process's memory close to what it really holds: the cache never keeps
/// more than ``Memory/cacheLimit``, and before a new block is mapped, the longest-idle blocks
/// are returned until tensors plus cache fit within the most tensors have ever held (the
/// working set of a training step). Blocks of sizes the current phase does not use (gradients
/// during the forward, say) are then given back rather than kept on top of the peak.
final class BufferCache: Sendable {
    static let shared = BufferCache()

    /// Blocks smaller than this go straight to malloc, which recycles them well itself.
    static let minimumCachedBytes = 1 << 16

    /// Below this, the cache is not trimmed towards the high-water mark (small programs).
    static let minimumWorkingSet = 64 << 20

    /// Idle bytes kept beyond an eighth over the high-water mark, for one block of each size a
    /// layer cycles through (see ``allocate(_:)``); a fixed amount, so large training steps
    /// keep their resident memory close to their peak.
    static let cycleSlack = 64 << 20

    /// A mapped block and its mapped size, as handed back to the system.
    typealias Mapping = (pointer: UnsafeMutableRawPointer, size: Int)

    private struct Block {
        let pointer: UnsafeMutableRawPointer
        /// When it was released, for evicting the longest-idle blocks first.
        let stamp: Int
    }

    private struct State {
        /// Idle blocks by size class, most recently released last.
        var free: [Int: [Block]] = [:]
        var cachedBytes = 0
        var limit = Memory.defaultCacheLimit
        var clock = 0

        /// Removes the longest-idle block (the oldest bottom of any size's stack).
        mutating func evictOldest() -> Mapping? {
            guard let (size, _) = free.min(by: { ($0.value.first?.stamp ?? .max) < ($1.value.first?.stamp ?? .max) }),
                  let block = free[size]?.first else { return nil }
            free[size]?.removeFirst()
            if free[size]?.isEmpty == true { free[size] = nil }
            cachedBytes -= size
            return (block.pointer, size)
        }
    }
    private let state = Mutex(UncheckedSendable(State()))
    private let active = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)
    /// The most bytes tensors have held at once (not reset by ``Memory/resetPeak()``).
    private let highWater = Atomic<Int>(0)

    /// The size actually mapped for a large request: rounded up to one of eight steps per power
    /// of two, so a freed block also serves slightly smaller or larger requests (sequence lengths
    /// and batch tails vary). Pages past the request are never touched, so they cost no memory.
    static func sizeClass(_ byteCount: Int) -> Int {
        let log2 = Int.bitWidth - 1 - byteCount.leadingZeroBitCount
        let step = 1 << Swift.max(12, log2 - 3)
        return (byteCount + step - 1) & ~(step - 1)
    }

    /// A block of at least `byteCount` bytes; with `zeroed`, all zero. A fresh mapping is
    /// already zero (the kernel hands out zero pages on first touch), so only a reused or
    /// malloc'd block is cleared: a large zero tensor that is later overwritten in parts, or
    /// never written (a float weight about to be replaced by quantized blocks), then costs
    /// memory only for the pages really written.
    func allocate(_ byteCount: Int, zeroed: Bool) -> UnsafeMutableRawPointer {
        let (memory, fresh) = allocate(byteCount)
        if zeroed && !fresh { memset(memory, 0, Swift.max(byteCount, 1)) }
        return memory
    }

    /// A block of at least `byteCount` bytes, and whether it is a fresh (all-zero) mapping.
    private func allocate(_ byteCount: Int) -> (pointer: UnsafeMutableRawPointer, fresh: Bool) {
        let now = active.add(byteCount, ordering: .relaxed).newValue
        peak.max(now, ordering: .relaxed)
        let highest = highWater.max(now, ordering: .relaxed).newValue
        guard byteCount >= Self.minimumCachedBytes else {
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, 64, Swift.max(byteCount, 1)) == 0, let memory = raw else {
                fatalError("Storage: cannot allocate \(byteCount) bytes")
            }
            return (memory, false)
        }
        let size = Self.sizeClass(byteCount)
        var evicted: [Mapping] = []
        let reused = state.withLock { box -> UnsafeMutableRawPointer? in
            if let block = box.value.free[size]?.popLast() {
                box.value.cachedBytes -= size
                return block.pointer
            }
            // A new mapping: first give back idle blocks beyond the working set, with an eighth
            // of it plus ``cycleSlack`` as slack. A step cycles through its sizes (an encoder
            // layer: the 9 MB q/k/v product, 6 MB of attention scores, 12 MB feed-forward
            // activations, 3 MB rows), so one idle block of each size must stay cached beside
            // the tensors alive at the peak. With an eighth alone, MiniLM inference evicted the
            // block of the next size at every miss and mapped ~190 MB of fresh pages per batch
            // (48,700 page faults, ~5 % of the batch's CPU time); handing back a block the next
            // phase maps again costs exactly those faults.
            let working = Swift.max(highest + highest / 8 + Self.cycleSlack, Self.minimumWorkingSet)
            while now + box.value.cachedBytes + (size - byteCount) > working, let block = box.value.evictOldest() {
                evicted.append(block)
            }
            return nil
        }
        if let reused { return (reused, false) }
        for block in evicted { munmap(block.pointer, block.size) }
        // Large blocks are mapped directly rather than taken from malloc's heap, so that a block
        // the cache lets go is returned to the system at once (malloc keeps freed heap memory,
        // and its adaptive mmap threshold moves most large blocks onto the heap).
        guard let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              memory != MAP_FAILED else {
            fatalError("Storage: cannot map \(byteCount) bytes")
        }
        return (memory, true)
    }

    func release(_ pointer: UnsafeMutableRawPointer, _ byteCount: Int) {
        active.subtract(byteCount, ordering: .relaxed)
        guard byteCount >= Self.minimumCachedBytes else {
            free(pointer)
            return
        }
        let size = Self.sizeClass(byteCount)
        let kept = state.withLock { box -> Bool in
            guard box.value.cachedBytes + size <= box.value.limit else { return false }
            box.value.clock += 1
            box.value.free[size, default: []].append(Block(pointer: pointer, stamp: box.value.clock))
            box.value.cachedBytes += size
            return true
        }
        if !kept { munmap(pointer, size) }
    }

    var activeBytes: Int { active.load(ordering: .relaxed) }
    var peakActiveBytes: Int { peak.load(ordering: .relaxed) }
    func resetPeak() { peak.store(active.load(ordering: .relaxed), ordering: .relaxed) }
    var cachedBytes: Int { state.withLock { $0.value.cachedBytes } }

    var limit: Int {
        get { state.withLock { $0.value.limit } }
        set {
            state.withLock { $0.value.limit = Swift.max(0, newValue) }
            trim()
        }
    }

    /// Hands cached blocks back, longest-idle first, until the cache holds at most `target`
    /// bytes (its limit when nil; never more than the limit).
    func trim(to target: Int? = nil) {
        let blocks = state.withLock { box -> [Mapping] in
            let goal = Swift.min(target ?? box.value.limit, box.value.limit)
            var dropped: [Mapping] = []
            while box.value.cachedBytes > goal, let block = box.value.evictOldest() { dropped.append(block) }
            return dropped
        }
        blocks.forEach { munmap($0.pointer, $0.size) }
    }
}
