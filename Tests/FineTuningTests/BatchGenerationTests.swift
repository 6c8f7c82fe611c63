import Testing
@testable import FineTuning

@Suite struct BatchGenerationTests {
    /// A small LLaMA-shaped model with large weights, so its greedy picks are far from ties.
    private func model() -> GPT {
        tinyLlamaGPT(dim: 24, hidden: 48, initStd: 0.4, dtype: .float64, seed: 7)
    }

    @Test func batchedGreedyEqualsOnePromptAtATime() {
        let gpt = model()
        let prefix = [3, 9, 1, 30, 12]
        let prompts = [[5, 6, 7], [8, 2, 2], [1], [4, 4, 9, 13, 2], [7, 7, 7], [11]]
        let batched = gpt.generateGreedy(prompts, sharedPrefix: prefix, maxNewTokens: 8, stopTokens: [0, 17], maxBatch: 2)
        for (prompt, output) in zip(prompts, batched) {
            let alone = gpt.generate(prefix + prompt, maxNewTokens: 8, strategy: .greedy, stopTokens: [0, 17])
            #expect(output == alone, "prompt \(prompt)")
        }
        // One batch of every length: rows left-padded, prefix keys rotated by each row's padding.
        let oneBatch = gpt.generateGreedy(prompts, sharedPrefix: prefix, maxNewTokens: 8, stopTokens: [0, 17], maxBatch: 16)
        #expect(oneBatch == batched)
        let noPrefix = gpt.generateGreedy(prompts, maxNewTokens: 6, maxBatch: 16)
        for (prompt, output) in zip(prompts, noPrefix) {
            #expect(output == gpt.generate(prompt, maxNewTokens: 6), "prompt \(prompt)")
        }
    }

    @Test func learnedPositionsBatchOnlyEqualLengths() {
        var config = GPTConfig(vocabularySize: 40, maxPositions: 64, dim: 24, layers: 2, heads: 4)
        config.initStd = 0.4
        config.dtype = .float64
        let gpt = GPT(config, generator: Generator(seed: 5))
        let prompts = [[5, 6, 7], [8], [1, 2], [4, 4, 9], [3]]
        let batched = gpt.generateGreedy(prompts, sharedPrefix: [2, 3], maxNewTokens: 5, maxBatch: 8)
        for (prompt, output) in zip(prompts, batched) { #expect(output == gpt.generate([2, 3] + prompt, maxNewTokens: 5)) }
    }

    @Test func rowsStopAtTheirOwnStopToken() {
        let gpt = model()
        let prompts = [[5, 6, 7], [8, 2, 2], [9, 1, 3]]
        let free = gpt.generateGreedy(prompts, maxNewTokens: 10)
        // Stop on the third token the first row produces: that row ends there, the others go on
        // to their own first occurrence of it (or the length limit).
        let stop = free[0][2]
        let stopped = gpt.generateGreedy(prompts, maxNewTokens: 10, stopTokens: [stop])
        for (full, cut) in zip(free, stopped) {
            let expected = full.firstIndex(of: stop).map { Array(full[...$0]) } ?? full
            #expect(cut == expected)
        }
        #expect(stopped[0].count <= 3)
    }
}

@Suite struct GPTMaskedLossTests {
    @Test func headOnlyAtSupervisedPositionsGivesTheFullLossAndGradients() {
        var config = GPTConfig(vocabularySize: 30, maxPositions: 32, dim: 16, layers: 2, heads: 4, kvHeads: 2, hidden: 32)
        config.positions = .rotary(base: 10_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.dtype = .float64
        let model = GPT(config, generator: Generator(seed: 3))
        let ids = Tensor([1, 5, 9, 2, 7, 3, 8, 8, 4, 1, 2, 6] as [Int32], shape: [2, 6])
        let targets = Tensor([-100, -100, 9, 2, 7, -100, -100, -100, -100, 1, 2, 6] as [Int64], shape: [2, 6])
        let fast = model.loss(ids, targets: targets)
        fast.backward()
        let fastGrads = model.namedParameters().map { $0.tensor.grad!.scalars(as: Double.self) }
        model.parameters().forEach { $0.zeroGrad() }
        let reference = Tensor.crossEntropy(logits: model(ids), targets: targets, ignoreIndex: -100)
        reference.backward()
        #expect(abs(fast.item(as: Double.self) - reference.item(as: Double.self)) < 1e-12)
        for (fastGrad, parameter) in zip(fastGrads, model.namedParameters()) {
            let slow = parameter.tensor.grad!.scalars(as: Double.self)
            #expect(zip(fastGrad, slow).allSatisfy { abs($0 - $1) < 1e-12 }, "\(parameter.name)")
        }
    }
}
