/// Which examples go into each batch of each epoch: a seeded shuffle per epoch (or file order),
/// cut into batches of `batchSize`, the last one smaller unless `dropLast`.
///
/// The order of epoch `e` depends only on `(seed, e)`, so a resumed run recomputes it and
/// continues from a saved batch position.
///
/// ```swift
/// let sampler = BatchSampler(count: 100, batchSize: 8, shuffle: true, seed: 0)
/// for indices in sampler.batches(epoch: 0) { ... }
/// ```
public struct BatchSampler: Sendable, Equatable {
    /// The number of examples.
    public var count: Int
    /// Examples per batch.
    public var batchSize: Int
    /// Whether each epoch is shuffled.
    public var shuffle: Bool
    /// The run's seed.
    public var seed: UInt64
    /// Whether a final short batch is dropped.
    public var dropLast: Bool
    /// The length of each example; when set (and shuffling), batches group examples of similar
    /// length (``LengthGroupedBatches``).
    public var lengths: [Int]? = nil
    /// This process's share in data-parallel training (nil: all of every batch); batches are
    /// then formed of `batchSize × shard.count` examples and dealt out (``DataShard``).
    public var shard: DataShard? = nil

    /// A sampler over `count` examples.
    public init(count: Int, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
        precondition(batchSize > 0, "BatchSampler: batchSize must be positive, got \(batchSize)")
        self.count = count
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
    }

    /// Batches per epoch.
    public var batchCount: Int {
        let size = globalBatchSize
        return dropLast ? count / size : (count + size - 1) / size
    }

    /// Examples per batch of all the processes together.
    private var globalBatchSize: Int { batchSize * (shard?.count ?? 1) }

    /// The example indices of every batch of epoch `epoch` (this shard's share of each).
    public func batches(epoch: Int) -> [[Int]] {
        let size = globalBatchSize
        let batches: [[Int]]
        if shuffle, let lengths {
            precondition(lengths.count == count, "BatchSampler: \(lengths.count) lengths for \(count) examples")
            batches = LengthGroupedBatches.batches(lengths: lengths, batchSize: size, seed: seed, epoch: epoch, dropLast: dropLast)
        } else {
            let order = shuffle ? Shuffle.permutation(count: count, seed: Shuffle.epochSeed(seed, epoch: epoch)) : Array(0..<count)
            batches = (0..<batchCount).map { b in Array(order[(b * size)..<Swift.min(count, (b + 1) * size)]) }
        }
        return shard.map { $0.share(of: batches) } ?? batches
    }
}
