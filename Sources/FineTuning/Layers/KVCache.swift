import TensorKit

/// The keys and values one attention layer has seen, for incremental decoding.
///
/// Keys are stored after the rotary rotation and before grouped-query heads are repeated
/// (`[B, kvHeads, length, headDim]`), detached from any graph. They live in buffers with room
/// for more positions than are cached: a decoding step writes its one position in place and
/// gets views of the filled part, instead of copying everything cached into a new tensor at
/// every step. When the room runs out the buffers double (one copy).
public final class AttentionCache {
    /// `[B, kvHeads, capacity, headDim]` buffers whose first ``length`` positions are filled.
    private var keyBuffer: Tensor?, valueBuffer: Tensor?
    /// The number of positions cached.
    public private(set) var length = 0

    /// Positions the buffers hold at least when first made (a short prompt plus a few hundred
    /// new tokens then never reallocates).
    static let minimumCapacity = 256

    /// An empty cache.
    public init() {}

    /// Cached keys (a view of the filled positions), or nil when nothing is cached.
    public var key: Tensor? { length == 0 ? nil : keyBuffer?.slice(axis: 2, 0..<length) }
    /// Cached values (a view of the filled positions), or nil when nothing is cached.
    public var value: Tensor? { length == 0 ? nil : valueBuffer?.slice(axis: 2, 0..<length) }

    /// Appends new keys and values along the sequence axis and returns all of them (views of
    /// the cache's buffers, valid until the next append or reset).
    public func append(key newKey: Tensor, value newValue: Tensor) -> (key: Tensor, value: Tensor) {
        precondition(newKey.rank == 4 && newValue.rank == 4 && newKey.shape[2] == newValue.shape[2],
                     "AttentionCache.append: keys \(newKey.shape) and values \(newValue.shape) must be [B, heads, L, D] with the same L")
        if let keyBuffer, let valueBuffer {
            precondition(newKey.shape[0..<2] == keyBuffer.shape[0..<2] && newKey.shape[3] == keyBuffer.shape[3]
                         && newValue.shape[0..<2] == valueBuffer.shape[0..<2] && newValue.shape[3] == valueBuffer.shape[3]
                         && newKey.dtype == keyBuffer.dtype && newValue.dtype == valueBuffer.dtype,
                         "AttentionCache.append: keys \(newKey.dtype) \(newKey.shape) / values \(newValue.dtype) \(newValue.shape) do not fit the cached \(keyBuffer.dtype) \(keyBuffer.shape) / \(valueBuffer.shape)")
        }
        let added = newKey.shape[2], end = length + added
        reserve(end, key: newKey, value: newValue)
        withGradientsDisabled {
            keyBuffer!.slice(axis: 2, length..<end).assign(newKey.detach())
            valueBuffer!.slice(axis: 2, length..<end).assign(newValue.detach())
        }
        length = end
        return (key!, value!)
    }

    /// Makes room for `positions`, keeping what is cached (doubling, so appends stay amortised O(1)).
    private func reserve(_ positions: Int, key newKey: Tensor, value newValue: Tensor) {
        let capacity = keyBuffer?.shape[2] ?? 0
        guard positions > capacity else { return }
        let grown = Swift.max(positions, 2 * capacity, Self.minimumCapacity)
        func buffer(like t: Tensor, old: Tensor?) -> Tensor {
            let made = Tensor.zeros([t.shape[0], t.shape[1], grown, t.shape[3]], dtype: t.dtype)
            if let old, length > 0 {
                made.slice(axis: 2, 0..<length).assign(old.slice(axis: 2, 0..<length))
            }
            return made
        }
        keyBuffer = buffer(like: newKey, old: keyBuffer)
        valueBuffer = buffer(like: newValue, old: valueBuffer)
    }

    /// Forgets everything cached (the buffers are kept for the next sequence).
    public func reset() { length = 0 }

    /// Keeps the first `positions` cached positions and forgets the rest (a conversation whose
    /// re-encoded text departs from what was cached at that position).
    public func truncate(to positions: Int) {
        precondition(positions >= 0, "AttentionCache.truncate: \(positions) positions")
        length = Swift.min(length, positions)
    }
}

/// One ``AttentionCache`` per layer of a model.
///
/// ```swift
/// let cache = KVCache(layers: model.layers.count)
/// var logits = model(promptIds, cache: cache)       // fills the cache
/// logits = model(nextId, cache: cache)              // one new position, attends to all
/// ```
public final class KVCache {
    /// The per-layer caches.
    public let layers: [AttentionCache]

    /// An empty cache for `layers` attention layers.
    public init(layers count: Int) { layers = (0..<count).map { _ in AttentionCache() } }

    /// The number of positions cached (the position of the next token).
    public var length: Int { layers.first?.length ?? 0 }

    /// Forgets everything cached.
    public func reset() { layers.forEach { $0.reset() } }

    /// Keeps the first `positions` positions of every layer (see ``AttentionCache/truncate(to:)``).
    public func truncate(to positions: Int) { layers.forEach { $0.truncate(to: positions) } }
}

@available(*, unavailable, message: "Caches hold tensors, which are not Sendable")
extension AttentionCache: Sendable {}

@available(*, unavailable, message: "Caches hold tensors, which are not Sendable")
extension KVCache: Sendable {}
