import TensorKit

/// How the next token is picked from a row of logits, with the knobs of Hugging Face's
/// `GenerationConfig` and llama.cpp's samplers.
///
/// The steps run in `transformers`' order: the repetition penalty on the raw logits, then
/// temperature, top-k, top-p and min-p, then one draw from what is left. A temperature of 0
/// means greedy decoding (the first of the largest logits; the other knobs but the repetition
/// penalty are then ignored), as `--temperature 0` does in llama.cpp.
///
/// ```swift
/// let sampling = SamplingParameters(temperature: 0.7, topP: 0.9, repetitionPenalty: 1.1)
/// let next = sampling.pick(logits, previousTokens: tokens, generator: Generator(seed: 1))
/// ```
public struct SamplingParameters: Sendable, Equatable {
    /// Divides the logits before the draw; 0 picks the most likely token (greedy).
    public var temperature: Double
    /// Keep only the `topK` most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keep the most likely tokens whose probabilities add up to at least `topP`; 1 keeps all.
    public var topP: Double
    /// Drop tokens less likely than `minP` times the most likely one; 0 keeps all.
    public var minP: Double
    /// Divides positive logits (multiplies negative ones) of every token already in the
    /// sequence, prompt included (CTRL's penalty, as `transformers`); 1 is off.
    public var repetitionPenalty: Double

    /// Greedy decoding without penalties.
    public static let greedy = SamplingParameters()

    /// Sampling parameters; the defaults are greedy decoding with every filter off.
    public init(temperature: Double = 0, topK: Int = 0, topP: Double = 1, minP: Double = 0,
                repetitionPenalty: Double = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
    }

    /// Whether the pick is deterministic (temperature 0).
    public var isGreedy: Bool { temperature == 0 }

    /// Checks every knob's range (for values that come from a user), naming the first one out
    /// of range.
    public func validate() throws(SamplingError) {
        func check(_ ok: Bool, _ name: String, _ value: Double, _ range: String) throws(SamplingError) {
            if !ok { throw SamplingError.outOfRange(parameter: name, value: value, expected: range) }
        }
        try check(temperature >= 0 && temperature.isFinite, "temperature", temperature, "a finite number ≥ 0")
        try check(topK >= 0, "topK", Double(topK), "an integer ≥ 0")
        try check(topP > 0 && topP <= 1, "topP", topP, "in (0, 1]")
        try check(minP >= 0 && minP <= 1, "minP", minP, "in [0, 1]")
        try check(repetitionPenalty > 0 && repetitionPenalty.isFinite, "repetitionPenalty", repetitionPenalty,
                  "a finite number > 0")
    }

    /// Picks a token id from one row of logits.
    ///
    /// - Parameters:
    ///   - logits: one logit per token id.
    ///   - previousTokens: the sequence so far (prompt and generated tokens), for the
    ///     repetition penalty; ids outside `logits` are ignored.
    ///   - generator: the source of the single uniform draw a sampled pick takes.
    public func pick(_ logits: [Float], previousTokens: [Int] = [], generator: Generator) -> Int {
        pick(scores: logits.map(Double.init), previousTokens: previousTokens, generator: generator)
    }

    /// ``pick(_:previousTokens:generator:)`` on double-precision scores.
    func pick(scores logits: [Double], previousTokens: [Int] = [], generator: Generator) -> Int {
        precondition(!logits.isEmpty, "SamplingParameters.pick: no logits")
        var scores = logits
        if repetitionPenalty != 1 {
            for id in Set(previousTokens) where scores.indices.contains(id) {
                scores[id] = scores[id] < 0 ? scores[id] * repetitionPenalty : scores[id] / repetitionPenalty
            }
        }
        if isGreedy { return Self.argmax(scores) }
        return sample(scores, generator: generator)
    }

    /// The first index of the largest score (NaN scores never win).
    static func argmax(_ scores: [Double]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] || scores[best].isNaN { best = i }
        return best
    }

    private func sample(_ scores: [Double], generator: Generator) -> Int {
        precondition(temperature > 0, "SamplingParameters: temperature must be ≥ 0, got \(temperature)")
        // Candidates as (id, weight ∝ probability), largest first only when a filter needs the order.
        let top = scores[Self.argmax(scores)]
        var candidates = scores.indices.compactMap { id -> (id: Int, weight: Double)? in
            let w = Double.exp((scores[id] - top) / temperature)
            return w > 0 ? (id, w) : nil
        }
        if topK > 0 || topP < 1 {
            // Ties by id so the result is reproducible.
            candidates.sort { $0.weight > $1.weight || ($0.weight == $1.weight && $0.id < $1.id) }
        }
        if topK > 0 && topK < candidates.count { candidates.removeLast(candidates.count - topK) }
        if topP < 1 {
            let total = candidates.reduce(0) { $0 + $1.weight }
            var running = 0.0
            var keep = candidates.count
            for (i, c) in candidates.enumerated() {
                running += c.weight / total
                if running >= topP { keep = i + 1; break }
            }
            candidates.removeLast(candidates.count - keep)
        }
        if minP > 0 {
            // Relative to the most likely survivor (weights are probabilities up to one factor).
            let threshold = minP * candidates.reduce(0) { Swift.max($0, $1.weight) }
            let kept = candidates.filter { $0.weight >= threshold }
            if !kept.isEmpty { candidates = kept }
        }
        let total = candidates.reduce(0) { $0 + $1.weight }
        var u = generator.nextDouble() * total
        for c in candidates {
            u -= c.weight
            if u < 0 { return c.id }
        }
        return candidates[candidates.count - 1].id
    }
}

/// A sampling parameter out of its range (from a command line or a config file).
public enum SamplingError: Error, Equatable, CustomStringConvertible {
    /// `parameter` was `value`; it must be `expected`.
    case outOfRange(parameter: String, value: Double, expected: String)

    public var description: String {
        switch self {
        case .outOfRange(let parameter, let value, let expected):
            return "sampling parameter \(parameter) is \(value); it must be \(expected)"
        }
    }
}
