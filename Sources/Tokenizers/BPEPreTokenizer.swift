/// How a byte-level BPE tokenizer cuts text into words before merging: the regular expression
/// its merges were learned with. Each is implemented by hand, without a regex engine.
///
/// A vocabulary only works with the pattern it was trained with; a `tokenizer.json` names it in
/// its pre-tokenizer, a GGUF file in `tokenizer.ggml.pre`.
public enum BPEPreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2's pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    /// (GPT-2, RoBERTa, SmolLM, StarCoder and every `ByteLevel` pre-tokenizer with `use_regex`).
    case gpt2
    /// Llama 3's pattern: contractions in any case, letters led by one non-letter, digits in
    /// groups of up to three, symbols with their trailing line breaks, line breaks apart from
    /// other whitespace.
    case llama3
    /// Qwen 2's pattern: Llama 3's, with every digit a piece of its own.
    case qwen2

    /// Appends the byte ranges of the pieces of UTF-8 `text` to `pieces`.
    func split(_ text: UnsafeBufferPointer<UInt8>, into pieces: inout [Range<Int>]) {
        switch self {
        case .gpt2: GPT2PreTokenizer.split(text, into: &pieces)
        case .llama3: LlamaPreTokenizer.split(text, maximumDigits: 3, into: &pieces)
        case .qwen2: LlamaPreTokenizer.split(text, maximumDigits: 1, into: &pieces)
        }
    }
}
