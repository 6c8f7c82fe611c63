/// An example with a length in tokens, so that batches can group examples of similar length
/// (``TrainerConfiguration/groupByLength``).
public protocol SequenceLengthMeasurable {
    /// The number of tokens the example will be padded against.
    var sequenceLength: Int { get }
}

/// Batches of examples of similar lengths, as Hugging Face's `group_by_length`: each epoch is a
/// seeded shuffle, cut into mega-batches of `megaBatchFactor × batchSize` examples; each
/// mega-batch is sorted by length (longest first) and cut into batches; the batches are shuffled,
/// and the one holding the longest example goes first so a run that runs out of memory does so at
/// its first step.
///
/// Padding per batch then costs little, while the shuffle keeps batches varied from epoch to
/// epoch. Like ``BatchSampler``, an epoch's batches depend only on `(seed, epoch)`, so a resumed
/// run recomputes them.
///
/// ```swift
/// let batches = LengthGroupedBatches.batches(lengths: encoded.examples.map(\.sequenceLength),
///                                            batchSize: 8, seed: 0, epoch: 0)
/// ```
public enum LengthGroupedBatches {
    /// Hugging Face's mega-batch factor: 50 batches, fewer when the data holds under 200 batches
    /// (`count / (4 × batchSize)`, at least 1) so that small datasets are not sorted whole.
    public static func defaultMegaBatchFactor(count: Int, batchSize: Int) -> Int {
        Swift.max(1, Swift.min(50, count / Swift.max(1, 4 * batchSize)))
    }

    /// The example indices of every batch of epoch `epoch`.
    ///
    /// - Parameters:
    ///   - lengths: the length of each example.
    ///   - batchSize: examples per batch; only the last mega-batch may leave a short batch.
    ///   - seed: the run's seed.
    ///   - epoch: the epoch.
    ///   - megaBatchFactor: batches per sorted mega-batch (``defaultMegaBatchFactor(count:batchSize:)`` when nil).
    ///   - dropLast: drop the short batch, if any.
    public static func batches(lengths: [Int], batchSize: Int, seed: UInt64, epoch: Int,
                               megaBatchFactor: Int? = nil, dropLast: Bool = false) -> [[Int]] {
        precondition(batchSize > 0, "LengthGroupedBatches: batchSize must be positive, got \(batchSize)")
        let count = lengths.count
        let factor = megaBatchFactor ?? defaultMegaBatchFactor(count: count, batchSize: batchSize)
        precondition(factor > 0, "LengthGroupedBatches: megaBatchFactor must be positive, got \(factor)")
        let epochSeed = Shuffle.epochSeed(seed, epoch: epoch)
        let order = Shuffle.permutation(count: count, seed: epochSeed)
        let megaBatch = factor * batchSize
        var batches: [[Int]] = []
        batches.reserveCapacity((count + batchSize - 1) / batchSize)
        for start in stride(from: 0, to: count, by: megaBatch) {
            // Ties keep the shuffled order, so the result does not depend on the sort's stability.
            let sorted = order[start..<Swift.min(count, start + megaBatch)].enumerated()
                .sorted { a, b in
                    let (la, lb) = (lengths[a.element], lengths[b.element])
                    return la != lb ? la > lb : a.offset < b.offset
                }
                .map(\.element)
            for first in stride(from: 0, to: sorted.count, by: batchSize) {
                batches.append(Array(sorted[first..<Swift.min(sorted.count, first + batchSize)]))
            }
        }
        if dropLast, let last = batches.last, last.count < batchSize { batches.removeLast() }
        // Another stream than the examples' shuffle: the same seed would correlate the two.
        let batchOrder = Shuffle.permutation(count: batches.count, seed: Shuffle.epochSeed(~epochSeed, epoch: epoch))
        batches = batchOrder.map { batches[$0] }
        if let longest = batches.indices.max(by: { maxLength(batches[$0], lengths) < maxLength(batches[$1], lengths) }) {
            batches.swapAt(0, longest)
        }
        return batches
    }

    private static func maxLength(_ batch: [Int], _ lengths: [Int]) -> Int {
        batch.reduce(0) { Swift.max($0, lengths[$1]) }
    }
}
