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

    /// Picks a token id from one row of logits.
    public func pick(_ logits: [Double], generator: Generator) -> Int {
        precondition(!logits.isEmpty, "SamplingStrategy: no logits")
        let temperature: Double
        var keep = logits.count
        var nucleus = 1.0
        switch self {
        case .greedy:
            return logits.indices.max { logits[$0] < logits[$1] }!
        case .temperature(let t): temperature = t
        case .topK(let k, let t): (keep, temperature) = (Swift.max(1, Swift.min(k, logits.count)), t)
        case .topP(let p, let t): (nucleus, temperature) = (p, t)
        }
        precondition(temperature > 0, "SamplingStrategy: temperature must be positive, got \(temperature)")
        // Candidates in decreasing order (ties by id, so the result is reproducible).
        let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        let top = logits[order[0]]
        var weights = order.prefix(keep).map { Double.exp((logits[$0] - top) / temperature) }
        if nucleus < 1 {
            let total = weights.reduce(0, +)
            var running = 0.0
            var cut = weights.count
            for (i, w) in weights.enumerated() {
                running += w / total
                if running >= nucleus { cut = i + 1; break }
            }
            weights.removeLast(weights.count - cut)
        }
        let total = weights.reduce(0, +)
        var u = generator.nextDouble() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return order[i] }
        }
        return order[weights.count - 1]
    }
}

extension GPT {
    /// Continues `prompt` by up to `maxNewTokens` tokens and returns the new tokens (not the prompt).
    ///
    /// Runs without gradients and in evaluation mode (dropout off; the previous mode is restored).
    /// With `useCache` (the default) the prompt is encoded once and each step feeds only the new
    /// token, attending to the cached keys and values; without it every step re-runs the whole
    /// sequence (same tokens, more work — kept for checking the cache). Generation stops after
    /// emitting a token in `stopTokens` (which is included) or at `maxPositions` with learned
    /// positions.
    ///
    /// ```swift
    /// let tokens = model.generate([1, 5, 7], maxNewTokens: 20, strategy: .topK(40, temperature: 0.8),
    ///                             generator: Generator(seed: 1))
    /// ```
    public func generate(_ prompt: [Int], maxNewTokens: Int, strategy: SamplingStrategy = .greedy,
                         stopTokens: Set<Int> = [], generator: Generator? = nil, useCache: Bool = true) -> [Int] {
        precondition(!prompt.isEmpty, "GPT.generate: the prompt is empty")
        let rng = generator ?? Generator.default
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return withGradientsDisabled {
            var tokens = prompt
            var produced: [Int] = []
            let cache = useCache ? makeCache() : nil
            var pending = prompt
            while produced.count < maxNewTokens {
                if config.positions == .learned && tokens.count > config.maxPositions { break }
                let input = useCache ? pending : tokens
                let ids = Tensor(input.map { Int32($0) }, shape: [1, input.count])
                let logits = self(ids, cache: cache)
                let last = logits.select(axis: 1, index: input.count - 1).scalars(as: Double.self)
                let next = strategy.pick(last, generator: rng)
                produced.append(next)
                tokens.append(next)
                pending = [next]
                if stopTokens.contains(next) { break }
            }
            return produced
        }
    }
}
