import FineTuning

/// The fixed train/validation/test split every example uses: 80/10/10 of the whole dataset,
/// stratified by label and shuffled with a seeded generator (the same parts on every machine,
/// each with the classes in the dataset's proportions), then optionally capped.
///
/// Capping takes a prefix of each (already shuffled) part, so a smaller run trains on a random
/// subsample and a larger cap only adds examples: the first 200 test examples are the same
/// whatever the other settings. The parts' orders come from
/// `Shuffle.stratifiedPermutation`, so every prefix keeps the class proportions too (a
/// 48-message validation slice of the SMS set holds its ~13 % of spam).
public struct ExampleSplit {
    /// All examples of the task, in file order.
    public let all: ArrayDataset<TextClassificationExample>
    /// The full parts (80/10/10).
    public let parts: DatasetSplits<ArrayDataset<TextClassificationExample>>
    /// The parts used: each a prefix of the full part, of at most the given size.
    public let train, validation, test: DatasetSubset<ArrayDataset<TextClassificationExample>>

    /// The default seed: fixed so every strategy and every program sees the same parts.
    public static let defaultSeed: UInt64 = 42
    /// The seed this split was made with.
    public let seed: UInt64

    /// Splits `examples` and caps the parts (`nil` or 0 keeps a whole part).
    public init(_ examples: [TextClassificationExample], trainLimit: Int? = nil, validationLimit: Int? = nil,
                testLimit: Int? = nil, seed: UInt64 = ExampleSplit.defaultSeed) {
        self.seed = seed
        all = ArrayDataset(examples)
        parts = all.stratifiedSplit(validation: 0.1, test: 0.1, seed: seed)
        train = Self.capped(parts.train, trainLimit)
        validation = Self.capped(parts.validation, validationLimit)
        test = Self.capped(parts.test, testLimit)
    }

    private static func capped(_ part: DatasetSubset<ArrayDataset<TextClassificationExample>>, _ limit: Int?)
        -> DatasetSubset<ArrayDataset<TextClassificationExample>> {
        guard let limit, limit > 0, limit < part.count else { return part }
        return DatasetSubset(part.base, indices: Array(part.indices.prefix(limit)))
    }

    /// Counts per class of a part.
    public static func classCounts(_ part: DatasetSubset<ArrayDataset<TextClassificationExample>>, classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for i in 0..<part.count where (0..<classes).contains(part.example(at: i).label) { counts[part.example(at: i).label] += 1 }
        return counts
    }

    /// Two lines: the full split's sizes and the sizes used.
    public func summary(classNames: [String]) -> String {
        func describe(_ part: DatasetSubset<ArrayDataset<TextClassificationExample>>) -> String {
            let counts = Self.classCounts(part, classes: classNames.count)
            return "\(part.count) (" + zip(classNames, counts).map { "\($1) \($0)" }.joined(separator: ", ") + ")"
        }
        return "split (seed \(seed), 80/10/10 of \(all.count)): train \(parts.train.count), "
            + "validation \(parts.validation.count), test \(parts.test.count)\n"
            + "used: train \(describe(train)), validation \(describe(validation)), test \(describe(test))"
    }
}
