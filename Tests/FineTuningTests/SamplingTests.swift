import Testing
@testable import FineTuning

@Suite struct SamplingTests {
    private let logits: [Float] = [0.1, 2.0, -1.0, 1.9, -3.0]

    private func draws(_ p: SamplingParameters, previous: [Int] = [], count: Int = 400) -> Set<Int> {
        let rng = Generator(seed: 3)
        return Set((0..<count).map { _ in p.pick(logits, previousTokens: previous, generator: rng) })
    }

    @Test func greedyTakesTheFirstLargestLogit() {
        #expect(SamplingParameters.greedy.pick(logits, generator: Generator(seed: 0)) == 1)
        #expect(SamplingParameters.greedy.pick([1, 3, 3, 2], generator: Generator(seed: 0)) == 1)
        #expect(SamplingParameters.greedy.pick([.nan, 1, 2], generator: Generator(seed: 0)) == 2)
    }

    @Test func filtersKeepWhatTheySay() {
        #expect(draws(SamplingParameters(temperature: 1)) == [0, 1, 2, 3, 4])
        #expect(draws(SamplingParameters(temperature: 1, topK: 2)) == [1, 3])
        // p(1) ≈ 0.474, p(3) ≈ 0.429, p(0) ≈ 0.071: 0.9 needs two tokens, 0.95 needs three.
        #expect(draws(SamplingParameters(temperature: 1, topP: 0.9)) == [1, 3])
        #expect(draws(SamplingParameters(temperature: 1, topP: 0.95)) == [0, 1, 3])
        // min-p 0.1: keep tokens at least a tenth as likely as token 1 (e^(0.1-2) ≈ 0.15 stays, e^-3 goes).
        #expect(draws(SamplingParameters(temperature: 1, minP: 0.1)) == [0, 1, 3])
        #expect(draws(SamplingParameters(temperature: 1, minP: 0.9)) == [1, 3])
        #expect(draws(SamplingParameters(temperature: 1, minP: 0.95)) == [1])
        // A very low temperature is close to greedy.
        #expect(draws(SamplingParameters(temperature: 0.01)) == [1])
    }

    @Test func repetitionPenaltyFollowsTransformers() {
        // Token 1 seen: 2.0 / 2 = 1.0 falls below token 3 (1.9); a negative logit is multiplied.
        #expect(SamplingParameters(repetitionPenalty: 2).pick(logits, previousTokens: [1, 1], generator: Generator(seed: 0)) == 3)
        #expect(SamplingParameters(repetitionPenalty: 2).pick([-1, -1.5], previousTokens: [0], generator: Generator(seed: 0)) == 1)
        // Ids outside the logits are ignored.
        #expect(SamplingParameters(repetitionPenalty: 2).pick(logits, previousTokens: [99, -1], generator: Generator(seed: 0)) == 1)
    }

    @Test func samePicksForTheSameSeed() {
        let p = SamplingParameters(temperature: 0.8, topK: 4, topP: 0.95, minP: 0.05)
        let a = Generator(seed: 42), b = Generator(seed: 42)
        #expect((0..<50).map { _ in p.pick(logits, generator: a) } == (0..<50).map { _ in p.pick(logits, generator: b) })
    }

    @Test func validationNamesTheParameter() {
        #expect(throws: SamplingError.outOfRange(parameter: "topP", value: 0, expected: "in (0, 1]")) {
            try SamplingParameters(temperature: 1, topP: 0).validate()
        }
        #expect(throws: SamplingError.self) { try SamplingParameters(temperature: -1).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(topK: -2).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(minP: 1.5).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(repetitionPenalty: 0).validate() }
        try? SamplingParameters(temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1).validate()
    }

    @Test func streamingStopsWhenAsked() {
        let model = GPT(GPTConfig(vocabularySize: 16, maxPositions: 32, dim: 16, layers: 1, heads: 2),
                        generator: Generator(seed: 5))
        let all = model.generate([1, 2], maxNewTokens: 8, sampling: .greedy)
        var seen: [Int] = []
        let three = model.generate([1, 2], maxNewTokens: 8, sampling: .greedy, onToken: { seen.append($0); return seen.count < 3 })
        #expect(three == Array(all.prefix(3)))
        #expect(seen == three)
    }

    // MARK: Text streaming (byte tokenizer: one id per UTF-8 byte)

    private func stream(_ text: String, stops: [String]) -> (pieces: [String], emitted: String, stopped: Bool) {
        var s = TextStream(tokenizer: ByteTokenizer(), stopStrings: stops)
        var pieces: [String] = []
        for byte in text.utf8 {
            if s.append(Int(byte), emit: { pieces.append($0) }) { return (pieces, s.emitted, true) }
        }
        s.finish { pieces.append($0) }
        return (pieces, s.emitted, false)
    }

    @Test func streamNeverSplitsACharacter() {
        let result = stream("aé😀b", stops: [])
        #expect(result.pieces == ["a", "é", "😀", "b"])
        #expect(result.emitted == "aé😀b")
    }

    @Test func streamCutsBeforeAStopStringAndHoldsItsPrefix() {
        let result = stream("Hello</s>World", stops: ["</s>"])
        #expect(result.stopped)
        #expect(result.emitted == "Hello")
        #expect(!result.pieces.contains { $0.contains("<") })
        // A partial match that does not complete is released later.
        let partial = stream("a</b c", stops: ["</s>"])
        #expect(!partial.stopped && partial.emitted == "a</b c")
        // The earliest of several stop strings wins.
        #expect(stream("x STOP y END", stops: ["END", "STOP"]).emitted == "x ")
    }
}
