/// Turns text into token ids and back.
///
/// Conforming types implement single-text encoding and decoding; batching, padding, truncation
/// and masks come from the protocol extension (`encoding(of:...)`, `encodeBatch(_:...)`).
///
/// ```swift
/// let tokenizer = try AutoTokenizer.load(from: modelFolder)
/// let ids = tokenizer.encode("Hello world!", addSpecialTokens: true)  // [101, 7592, 2088, 999, 102]
/// let batch = tokenizer.encodeBatch(["a", "longer text"], padding: .longest, maxLength: 128)
/// ```
public protocol Tokenizer: Sendable {
    /// Number of ids, added tokens included.
    var vocabularySize: Int { get }
    /// The special token ids (pad, unk, cls, sep, bos, eos, mask as the tokenizer has them).
    var specialTokens: SpecialTokenIDs { get }
    /// Whether encodings carry token type ids (BERT-style segment ids).
    var usesTokenTypeIDs: Bool { get }
    /// How many special tokens `addSpecialTokens: true` adds to one sequence.
    var specialTokenCount: Int { get }

    /// The token ids of `text`, wrapped in the tokenizer's special tokens when asked.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// Wraps already encoded ids in the special tokens (`[CLS] ids [SEP]` for BERT).
    func addingSpecialTokens(to ids: [Int]) -> [Int]
    /// How many special tokens `addSpecialTokens: true` adds to a pair of sequences.
    var pairSpecialTokenCount: Int { get }
    /// Joins two encoded sequences with the special tokens (`[CLS] a [SEP] b [SEP]` for BERT),
    /// returning the token type id of every position.
    func addingSpecialTokens(to first: [Int], pairedWith second: [Int]) -> (ids: [Int], typeIDs: [Int])
    /// The text of `ids`; special tokens are left out when `skipSpecialTokens` is true.
    /// Unknown ids are ignored.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    /// The id of a token string as the vocabulary spells it (`"##ing"`, `"Ġthe"`), or nil.
    func id(forToken token: String) -> Int?
    /// The vocabulary's spelling of `id`, or nil when out of range.
    func token(forID id: Int) -> String?
}

extension Tokenizer {
    /// The token ids of `text` with the special tokens added.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecialTokens: true) }

    /// The text of `ids`, special tokens included.
    public func decode(_ ids: [Int]) -> String { decode(ids, skipSpecialTokens: false) }

    public var usesTokenTypeIDs: Bool { false }

    /// Twice the single-sequence count: each sequence is wrapped on its own.
    public var pairSpecialTokenCount: Int { 2 * specialTokenCount }

    /// Each sequence wrapped on its own, one after the other, typed 0 and 1.
    public func addingSpecialTokens(to first: [Int], pairedWith second: [Int]) -> (ids: [Int], typeIDs: [Int]) {
        let a = addingSpecialTokens(to: first), b = addingSpecialTokens(to: second)
        return (a + b, [Int](repeating: 0, count: a.count) + [Int](repeating: 1, count: b.count))
    }
}
