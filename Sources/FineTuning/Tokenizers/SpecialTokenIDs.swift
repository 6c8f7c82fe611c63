/// The ids of a tokenizer's special tokens; nil where the tokenizer has no such token.
///
/// BERT-style tokenizers use `cls`, `sep`, `pad`, `unk` and `mask`; GPT-style ones use `bos`,
/// `eos` and sometimes `pad`. The values are public and settable so that a caller can name a
/// padding token for a tokenizer whose files do not.
public struct SpecialTokenIDs: Sendable, Equatable {
    public var pad: Int?
    public var unk: Int?
    public var cls: Int?
    public var sep: Int?
    public var bos: Int?
    public var eos: Int?
    public var mask: Int?
    /// Every id that `decode(_:skipSpecialTokens:)` drops, including special added tokens
    /// not named above.
    public var all: Set<Int>

    public init(pad: Int? = nil, unk: Int? = nil, cls: Int? = nil, sep: Int? = nil,
                bos: Int? = nil, eos: Int? = nil, mask: Int? = nil, others: Set<Int> = []) {
        self.pad = pad
        self.unk = unk
        self.cls = cls
        self.sep = sep
        self.bos = bos
        self.eos = eos
        self.mask = mask
        all = others.union([pad, unk, cls, sep, bos, eos, mask].compactMap { $0 })
    }

    /// The id used to fill padded positions: `pad`, else `eos`, else 0.
    ///
    /// GPT-2 style vocabularies have no padding token; padded positions are masked out by the
    /// attention mask anyway, so any valid id serves.
    public var paddingID: Int { pad ?? eos ?? 0 }
}
