/// The ids of a tokenizer's special tokens; nil where the tokenizer has no such token.
///
/// BERT-style tokenizers use `cls`, `sep`, `pad`, `unk` and `mask`; GPT-style ones use `bos`,
/// `eos` and sometimes `pad`. The values are public and settable so that a caller can name a
/// padding token for a tokenizer whose files do not.
public struct SpecialTokenIDs: Sendable, Equatable {
    /// Padding.
    public var pad: Int?
    /// Unknown (out-of-vocabulary) pieces.
    public var unk: Int?
    /// Classifier token at the start of a BERT sequence.
    public var cls: Int?
    /// Separator at the end of a BERT sequence.
    public var sep: Int?
    /// Beginning of sequence.
    public var bos: Int?
    /// End of sequence.
    public var eos: Int?
    /// Masked-language-model mask.
    public var mask: Int?
    /// Every id that `decode(_:skipSpecialTokens:)` drops, including special added tokens
    /// not named above.
    public var all: Set<Int>

    /// Special token ids; `others` lists further special ids that decoding may skip.
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
