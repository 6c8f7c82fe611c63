import TensorKit

extension Shuffle {
    /// A seeded order of `0..<labels.count` in which every prefix holds the classes in the
    /// proportions of the whole (each class's count in the first `k` is within one of
    /// `k × its share`), the examples of each class in a shuffled order.
    ///
    /// Any run of consecutive positions is then stratified too (within two per class), so
    /// parts cut from it, and prefixes of those parts, keep the class balance: a 48-example
    /// validation slice of a 13 % spam set holds about 6 spam messages, never 0.
    public static func stratifiedPermutation(labels: [Int], seed: UInt64) -> [Int] {
        var members: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { members[label, default: []].append(index) }
        let classes = members.keys.sorted()
        // Each class's examples in a seeded order (one stream per class, so classes do not
        // disturb each other's order).
        let queues: [[Int]] = classes.enumerated().map { position, label in
            let indices = members[label] ?? []
            return permutation(count: indices.count, seed: epochSeed(seed, epoch: position)).map { indices[$0] }
        }
        let total = labels.count
        var taken = [Int](repeating: 0, count: classes.count)
        var order: [Int] = []
        order.reserveCapacity(total)
        for position in stride(from: 1, through: total, by: 1) {
            // The class furthest behind its share of the first `position` examples goes next
            // (ties: the smaller label), which keeps every class within one of its share.
            var best = -1, bestDeficit = -Double.infinity
            for c in queues.indices where taken[c] < queues[c].count {
                let deficit = Double(position * queues[c].count) / Double(total) - Double(taken[c])
                if deficit > bestDeficit { best = c; bestDeficit = deficit }
            }
            order.append(queues[best][taken[best]])
            taken[best] += 1
        }
        return order
    }
}

extension Dataset {
    /// Splits the examples like ``split(validation:test:seed:)``, with each part holding the
    /// classes in the proportions of the whole (scikit-learn's `stratify=`): validation and test
    /// are cut from a ``Shuffle/stratifiedPermutation(labels:seed:)`` of the labels, and every
    /// prefix of a part is stratified as well, so capping a part keeps its balance.
    ///
    /// ```swift
    /// let parts = data.stratifiedSplit(validation: 0.1, test: 0.1, seed: 42) { $0.label }
    /// ```
    public func stratifiedSplit(validation: Double, test: Double = 0, seed: UInt64,
                                label: (Example) -> Int) -> DatasetSplits<Self> {
        precondition(validation >= 0 && test >= 0 && validation + test <= 1,
                     "stratifiedSplit: fractions must be non-negative and sum to at most 1, got validation \(validation), test \(test)")
        let order = Shuffle.stratifiedPermutation(labels: (0..<count).map { label(example(at: $0)) }, seed: seed)
        let validationCount = Int((Double(count) * validation).rounded())
        let testCount = Swift.min(count - validationCount, Int((Double(count) * test).rounded()))
        return DatasetSplits(
            train: DatasetSubset(self, indices: Array(order[(validationCount + testCount)...])),
            validation: DatasetSubset(self, indices: Array(order[0..<validationCount])),
            test: DatasetSubset(self, indices: Array(order[validationCount..<(validationCount + testCount)])))
    }
}

extension Dataset where Example == TextClassificationExample {
    /// ``stratifiedSplit(validation:test:seed:label:)`` by the examples' labels.
    public func stratifiedSplit(validation: Double, test: Double = 0, seed: UInt64) -> DatasetSplits<Self> {
        stratifiedSplit(validation: validation, test: test, seed: seed) { $0.label }
    }
}
