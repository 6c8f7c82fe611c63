import TensorKit

/// The three parts of a dataset split by ``Dataset/split(validation:test:seed:)``.
public struct DatasetSplits<Base: Dataset> {
    /// Examples to train on.
    public var train: DatasetSubset<Base>
    /// Examples to evaluate on during training (early stopping, best model).
    public var validation: DatasetSubset<Base>
    /// Examples held out until the end.
    public var test: DatasetSubset<Base>
}

extension Dataset {
    /// Splits the examples into train, validation and test parts of the given fractions
    /// (rounded to whole examples; train gets the rest), after a shuffle by `seed`. The same
    /// seed and count always give the same parts, on every machine.
    ///
    /// ```swift
    /// let parts = data.split(validation: 0.1, test: 0.1, seed: 42)
    /// ```
    public func split(validation: Double, test: Double = 0, seed: UInt64) -> DatasetSplits<Self> {
        precondition(validation >= 0 && test >= 0 && validation + test <= 1,
                     "split: fractions must be non-negative and sum to at most 1, got validation \(validation), test \(test)")
        let order = Shuffle.permutation(count: count, seed: seed)
        let validationCount = Int((Double(count) * validation).rounded())
        let testCount = Swift.min(count - validationCount, Int((Double(count) * test).rounded()))
        let trainCount = count - validationCount - testCount
        return DatasetSplits(
            train: DatasetSubset(self, indices: Array(order[0..<trainCount])),
            validation: DatasetSubset(self, indices: Array(order[trainCount..<(trainCount + validationCount)])),
            test: DatasetSubset(self, indices: Array(order[(trainCount + validationCount)...])))
    }
}

/// Seeded shuffles: pure functions of a seed, so an epoch's order can be recomputed when
/// training resumes instead of being saved.
public enum Shuffle {
    /// A Fisher–Yates permutation of `0..<count` drawn from `Generator(seed: seed)`.
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<count)
        let generator = Generator(seed: seed)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, generator.nextInt(below: i + 1))
            }
        }
        return order
    }

    /// The seed of epoch `epoch`'s shuffle for a run seeded with `seed` (epochs get unrelated
    /// streams, not successive slices of one).
    public static func epochSeed(_ seed: UInt64, epoch: Int) -> UInt64 {
        var z = seed &+ UInt64(epoch + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
