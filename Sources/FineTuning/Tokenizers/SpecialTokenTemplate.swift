/// The special tokens put around one encoded sequence (`[CLS] … [SEP]`, `<s> … </s>`, or none):
/// the single-sequence part of a `tokenizer.json` post-processor.
public struct SpecialTokenTemplate: Sendable, Equatable {
    /// Ids placed before the sequence.
    public var prefix: [Int]
    /// Ids placed after the sequence.
    public var suffix: [Int]

    /// A template from the ids before and after the sequence.
    public init(prefix: [Int] = [], suffix: [Int] = []) {
        self.prefix = prefix
        self.suffix = suffix
    }

    /// No special tokens.
    public static let none = SpecialTokenTemplate()

    /// How many ids the template adds.
    public var count: Int { prefix.count + suffix.count }

    /// `ids` wrapped in the template.
    public func apply(to ids: [Int]) -> [Int] {
        if count == 0 { return ids }
        var result: [Int] = []
        result.reserveCapacity(ids.count + count)
        result += prefix
        result += ids
        result += suffix
        return result
    }
}
