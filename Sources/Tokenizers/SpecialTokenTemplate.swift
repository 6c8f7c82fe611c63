/// The special tokens put around encoded sequences, for one sequence (`[CLS] A [SEP]`) and for a
/// pair (`[CLS] A [SEP] B [SEP]`), with the token type id of every part: the post-processor of a
/// `tokenizer.json`.
public struct SpecialTokenTemplate: Sendable, Equatable {
    /// One part of a template.
    public enum Piece: Sendable, Equatable {
        /// Fixed special token ids.
        case special([Int], typeID: Int)
        /// The first sequence's tokens.
        case first(typeID: Int)
        /// The second sequence's tokens (pair templates only).
        case second(typeID: Int)
    }

    /// Ids placed before a single sequence.
    public var prefix: [Int]
    /// Ids placed after a single sequence.
    public var suffix: [Int]
    /// The template for a pair of sequences.
    public var pair: [Piece]

    /// A template from the ids around a single sequence. Unless given, the pair template is
    /// BERT's: `prefix A suffix B suffix`, type id 0 up to the first suffix and 1 after it.
    public init(prefix: [Int] = [], suffix: [Int] = [], pair: [Piece]? = nil) {
        self.prefix = prefix
        self.suffix = suffix
        var bertPair: [Piece] = []
        if !prefix.isEmpty { bertPair.append(.special(prefix, typeID: 0)) }
        bertPair.append(.first(typeID: 0))
        if !suffix.isEmpty { bertPair.append(.special(suffix, typeID: 0)) }
        bertPair.append(.second(typeID: 1))
        if !suffix.isEmpty { bertPair.append(.special(suffix, typeID: 1)) }
        self.pair = pair ?? bertPair
    }

    /// No special tokens; a pair is the two sequences back to back, typed 0 and 1.
    public static let none = SpecialTokenTemplate()

    /// The template transformers builds for a tokenizer flagged `add_bos_token` / `add_eos_token`:
    /// `bos A eos`, and for a pair `bos A eos bos B eos`, type id 1 from the second `bos` on.
    /// A nil id is left out (pass nil for a flag that is off).
    public static func sequence(bos: Int?, eos: Int?) -> SpecialTokenTemplate {
        let (prefix, suffix) = ([bos].compactMap { $0 }, [eos].compactMap { $0 })
        var pair: [Piece] = []
        for typeID in 0...1 {
            if !prefix.isEmpty { pair.append(.special(prefix, typeID: typeID)) }
            pair.append(typeID == 0 ? .first(typeID: 0) : .second(typeID: 1))
            if !suffix.isEmpty { pair.append(.special(suffix, typeID: typeID)) }
        }
        return SpecialTokenTemplate(prefix: prefix, suffix: suffix, pair: pair)
    }

    /// How many ids the template adds to one sequence.
    public var count: Int { prefix.count + suffix.count }

    /// How many ids the template adds to a pair.
    public var pairCount: Int {
        pair.reduce(0) { total, piece in
            if case .special(let ids, _) = piece { return total + ids.count }
            return total
        }
    }

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

    /// A pair of encoded sequences joined by the pair template, with token type ids.
    public func apply(to first: [Int], pairedWith second: [Int]) -> (ids: [Int], typeIDs: [Int]) {
        var ids: [Int] = []
        var types: [Int] = []
        let total = first.count + second.count + pairCount
        ids.reserveCapacity(total)
        types.reserveCapacity(total)
        for piece in pair {
            switch piece {
            case let .special(special, typeID):
                ids += special
                types += repeatElement(typeID, count: special.count)
            case let .first(typeID):
                ids += first
                types += repeatElement(typeID, count: first.count)
            case let .second(typeID):
                ids += second
                types += repeatElement(typeID, count: second.count)
            }
        }
        return (ids, types)
    }
}
