import FineTuning

/// Samples text from a GPT trained on blocks, for as many tokens as asked: past the model's
/// context, it keeps generating from the last half-context of what it wrote (a sliding
/// window), since a model with learned positions has no position beyond its block size.
public struct LanguageModelSampler {
    /// The model.
    public let model: GPT
    /// Turns ids into text.
    public let tokenizer: any Tokenizer
    /// The id a document ends with (generation stops there), if the corpus had one.
    public let endID: Int?
    /// How each token is picked.
    public var sampling: SamplingParameters

    /// A sampler for `model`; `endID` both starts an empty prompt (a new document) and ends a
    /// sample.
    public init(model: GPT, tokenizer: any Tokenizer, endID: Int?, sampling: SamplingParameters) {
        self.model = model
        self.tokenizer = tokenizer
        self.endID = endID
        self.sampling = sampling
    }

    /// The ids a sample of `prompt` starts from: the end-of-document id (what precedes every
    /// document in training) followed by the prompt's ids.
    public func promptIDs(_ prompt: String) throws(TrainLMError) -> [Int] {
        let start = endID ?? tokenizer.specialTokens.bos
        let ids = (start.map { [$0] } ?? []) + tokenizer.encode(prompt, addSpecialTokens: false)
        guard !ids.isEmpty else { throw TrainLMError.noStartToken }
        return ids
    }

    /// The prompt followed by up to `count` generated tokens, decoded; stops early at the
    /// end-of-document id.
    public func sample(_ prompt: String, count: Int, generator: Generator) throws(TrainLMError) -> String {
        let context = model.config.maxPositions
        var tokens = try promptIDs(prompt)
        var produced = 0
        var ended = false
        while produced < count && !ended {
            // Keep the prompt whole while it fits; then slide over the last half-context.
            let window = Array(tokens.suffix(tokens.count <= context - 1 ? context : Swift.max(1, context / 2)))
            // `generate` stops once the sequence outgrows the learned positions.
            let room = Swift.max(1, context - window.count + 1)
            let new = model.generate(window, maxNewTokens: Swift.min(count - produced, room), sampling: sampling,
                                     stopTokens: Set([endID].compactMap { $0 }), generator: generator)
            guard !new.isEmpty else { break }
            if let endID, new.last == endID { ended = true }
            tokens += new
            produced += new.count
        }
        return tokenizer.decode(tokens, skipSpecialTokens: true)
    }
}
