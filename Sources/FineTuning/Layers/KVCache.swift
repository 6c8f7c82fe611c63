import TensorKit

/// The keys and values one attention layer has seen, for incremental decoding.
///
/// Keys are stored after the rotary rotation and before grouped-query heads are repeated
/// (`[B, kvHeads, length, headDim]`), detached from any graph.
public final class AttentionCache {
    /// Cached keys, or nil before the first step.
    public private(set) var key: Tensor?
    /// Cached values, or nil before the first step.
    public private(set) var value: Tensor?

    /// An empty cache.
    public init() {}

    /// The number of positions cached.
    public var length: Int { key?.shape[2] ?? 0 }

    /// Appends new keys and values along the sequence axis and returns all of them.
    public func append(key newKey: Tensor, value newValue: Tensor) -> (key: Tensor, value: Tensor) {
        let k = newKey.detach(), v = newValue.detach()
        if let key, let value {
            self.key = Tensor.concat([key, k], axis: 2)
            self.value = Tensor.concat([value, v], axis: 2)
        } else {
            self.key = k.contiguous()
            self.value = v.contiguous()
        }
        return (self.key!, self.value!)
    }

    /// Forgets everything cached.
    public func reset() {
        key = nil
        value = nil
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
}

@available(*, unavailable, message: "Caches hold tensors, which are not Sendable")
extension AttentionCache: Sendable {}

@available(*, unavailable, message: "Caches hold tensors, which are not Sendable")
extension KVCache: Sendable {}
