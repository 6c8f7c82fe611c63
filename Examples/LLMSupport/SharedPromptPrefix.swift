import FineTuning

/// Prompts as token ids with the text they all start with encoded once, for
/// `GPT.generateGreedy(_:sharedPrefix:…)`: a template's system turn and instruction are then
/// run through the model once per batch instead of once per prompt.
public struct SharedPromptPrefix {
    /// The ids of the shared text (empty when it could not be shared).
    public var prefix: [Int]
    /// Each prompt's ids after the prefix (its whole encoding when nothing is shared).
    public var suffixes: [[Int]]

    /// Encodes `prompts`, sharing `prefixText` only when every prompt starts with it and its whole
    /// encoding starts with the prefix's own ids: byte-level BPE may merge across the cut, and
    /// the model must see exactly the ids of the whole prompt.
    public init(prompts: [String], prefixText: String, tokenizer: any Tokenizer) {
        let prefix = prefixText.isEmpty ? [] : tokenizer.encode(prefixText, addSpecialTokens: true)
        var suffixes: [[Int]] = []
        var shareable = !prefix.isEmpty
        for prompt in prompts where shareable {
            let whole = tokenizer.encode(prompt, addSpecialTokens: true)
            guard prompt.hasPrefix(prefixText), whole.starts(with: prefix), whole.count > prefix.count else {
                shareable = false
                break
            }
            suffixes.append(Array(whole[prefix.count...]))
        }
        self.prefix = shareable ? prefix : []
        self.suffixes = shareable ? suffixes : prompts.map { tokenizer.encode($0, addSpecialTokens: true) }
    }

    /// The text of `marked` before the first `marker` (empty when it has none): render a
    /// template with a marker in place of the part that varies to find what every prompt shares.
    public static func text(of marked: String, before marker: String) -> String {
        marked.range(of: marker).map { String(marked[..<$0.lowerBound]) } ?? ""
    }
}
