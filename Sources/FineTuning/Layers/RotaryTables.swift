import Synchronization
import TensorKit

/// The last few rotary `cos`/`sin` tables computed, shared by every ``RotaryEmbedding``.
///
/// Each attention layer of a model rotates the same positions, and a decoding step asks again for
/// the position the previous layer asked for; without the cache every layer recomputes the same
/// `length · dimension` sines and cosines in `Double`.
final class RotaryTables: Sendable {
    /// Everything that determines a table's values.
    struct Key: Hashable, Sendable {
        let dimension: Int
        let base: Double
        let offset: Int
        let length: Int
        let dtype: DType
    }

    /// Tables are never written after they are made, so handing the same ones to several threads
    /// is safe.
    private struct Entry: @unchecked Sendable {
        let key: Key
        let cos: Tensor
        let sin: Tensor
    }

    /// The cache every rotary embedding uses.
    static let shared = RotaryTables()

    /// Enough for a model's layers to share one pass's tables, and for a few callers (a training
    /// step and an evaluation, say) to alternate without recomputing.
    private static let capacity = 8

    /// Most recently used last.
    private let entries = Mutex<[Entry]>([])

    /// The tables for `key`, from the cache or from `make` (run without the lock held, so two
    /// threads may both compute a missing table; either result is the same).
    func tables(for key: Key, make: () -> (cos: Tensor, sin: Tensor)) -> (cos: Tensor, sin: Tensor) {
        let found: Entry? = entries.withLock { list in
            guard let index = list.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = list.remove(at: index)
            list.append(entry)
            return entry
        }
        if let found { return (found.cos, found.sin) }
        let (cos, sin) = make()
        let entry = Entry(key: key, cos: cos, sin: sin)
        entries.withLock { list in
            list.append(entry)
            if list.count > Self.capacity { list.removeFirst(list.count - Self.capacity) }
        }
        return (cos, sin)
    }
}
