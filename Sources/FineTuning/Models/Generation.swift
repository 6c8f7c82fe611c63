import TensorKit

/// How ``GPT/generate(_:maxNewTokens:strategy:stopTokens:generator:useCache:)`` picks each token.
public enum SamplingStrategy: Sendable, Equatable {
    /// The most likely token (deterministic).
    case greedy
    /// Sample from `softmax(logits / temperature)`.
    case temperature(Double)
    /// Sample among the `k` most likely tokens.
    case topK(Int, temperature: Double = 1)
    /// Nucleus sampling: sample among the most likely tokens whose probabilities sum to at least `p`.
    case topP(Double, temperature: Double = 1)

    /// The same choice as ``SamplingParameters`` (which adds min-p and a repetition penalty).
    public var parameters: SamplingParameters {
        switch self {
        case .greedy: return .greedy
        case .temperature(let t): return SamplingParameters(temperature: t)
        case .topK(let k, let t): return SamplingParameters(temperature: t, topK: Swift.max(1, k))
        case .topP(let p, let t): return SamplingParameters(temperature: t, topP: p)
        }
    }

    /// Picks a token id from one row of logits.
    public func pick(_ logits: [Double], generator: Generator) -> Int {
        precondition(!logits.isEmpty, "SamplingStrategy: no logits")
        if case .greedy = self { return SamplingParameters.argmax(logits) }
        let p = parameters
        precondition(p.temperature > 0, "SamplingStrategy: temperature must be positive, got \(p.temperature)")
        return p.pick(scores: logits, generator: generator)
    }
}

extension GPT {
    /// Continues `prompt` by up to `maxNewTokens` tokens and returns the new tokens (not the prompt).
    ///
    /// Runs without gradients and in evaluation mode (dropout off; the previous mode is restored).
    /// With `useCache` (the default) the prompt is encoded once and each step feeds only the new
    /// token, attending to the cached keys and values; without it every step re-runs the whole
    /// sequence (same tokens, more work — kept for checking the cache). Generation stops after
    /// emitting a token in `stopTokens` (which is included), when `onToken` returns false, or at
    /// `maxPositions` with learned positions.
    ///
    /// - Parameters:
    ///   - prompt: the token ids to continue (not empty).
    ///   - maxNewTokens: the most tokens to produce.
    ///   - sampling: how each token is picked (greedy by default).
    ///   - stopTokens: ids that end generation (end-of-sequence, end-of-turn).
    ///   - generator: the random source of sampled picks (the thread's default when nil).
    ///   - useCache: reuse keys and values across steps.
    ///   - cache: keys and values from an earlier call that already hold the first
    ///     `cache.length` tokens of `prompt` (fewer than all of them): only the rest are encoded,
    ///     and the cache grows by this call's tokens (all but the last one produced), as
    ///     transformers' `past_key_values`. Nil starts a fresh cache.
    ///   - onPromptLogits: called once with the logits at the last prompt position (before the
    ///     first pick), e.g. to report the most likely next tokens.
    ///   - onToken: called with each token as it is produced (streaming); return false to stop.
    ///
    /// ```swift
    /// let sampling = SamplingParameters(temperature: 0.8, topK: 40)
    /// let tokens = model.generate([1, 5, 7], maxNewTokens: 20, sampling: sampling, generator: Generator(seed: 1))
    /// ```
    public func generate(_ prompt: [Int], maxNewTokens: Int, sampling: SamplingParameters,
                         stopTokens: Set<Int> = [], generator: Generator? = nil, useCache: Bool = true,
                         cache: KVCache? = nil,
                         onPromptLogits: ([Float]) -> Void = { _ in }, onToken: (Int) -> Bool = { _ in true }) -> [Int] {
        precondition(!prompt.isEmpty, "GPT.generate: the prompt is empty")
        precondition(cache == nil || (useCache && cache!.length < prompt.count && cache!.layers.count == layers.count),
                     "GPT.generate: a cache of \(cache?.length ?? 0) positions over \(cache?.layers.count ?? 0) layers for a prompt of \(prompt.count) tokens and \(layers.count) layers (useCache: \(useCache))")
        let rng = generator ?? Generator.default
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return withGradientsDisabled {
            var tokens = prompt
            var produced: [Int] = []
            let cache = useCache ? cache ?? makeCache() : nil
            var pending = Array(prompt[(cache?.length ?? 0)...])
            while produced.count < maxNewTokens {
                if config.positions == .learned && tokens.count > config.maxPositions { break }
                let input = useCache ? pending : tokens
                let ids = Tensor(input.map { Int32($0) }, shape: [1, input.count])
                // The head only at the last position: the prompt's other logits are never read.
                let hidden = hiddenStates(ids, cache: cache).select(axis: 1, index: input.count - 1)
                let last = vocabularyLogits(hidden).cast(to: .float32).contiguous().scalars(as: Float.self)
                if produced.isEmpty { onPromptLogits(last) }
                let next = sampling.pick(last, previousTokens: tokens, generator: rng)
                produced.append(next)
                tokens.append(next)
                pending = [next]
                if !onToken(next) || stopTokens.contains(next) { break }
            }
            return produced
        }
    }

    /// Continues `prompt` with one of the classic ``SamplingStrategy`` choices; see
    /// ``generate(_:maxNewTokens:sampling:stopTokens:generator:useCache:cache:onPromptLogits:onToken:)``.
    ///
    /// ```swift
    /// let tokens = model.generate([1, 5, 7], maxNewTokens: 20, strategy: .topK(40, temperature: 0.8),
    ///                             generator: Generator(seed: 1))
    /// ```
    public func generate(_ prompt: [Int], maxNewTokens: Int, strategy: SamplingStrategy = .greedy,
                         stopTokens: Set<Int> = [], generator: Generator? = nil, useCache: Bool = true) -> [Int] {
        generate(prompt, maxNewTokens: maxNewTokens, sampling: strategy.parameters, stopTokens: stopTokens,
                 generator: generator, useCache: useCache)
    }
}
