import Foundation
import Testing
@testable import FineTuning

@Suite struct GPTTests {
    private func tinyConfig(rotary: Bool = false) -> GPTConfig {
        var config = GPTConfig(vocabularySize: 16, maxPositions: 24, dim: 16, layers: 2, heads: 4,
                               kvHeads: rotary ? 2 : nil, hidden: 32)
        if rotary {
            config.positions = .rotary(base: 10_000)
            config.norm = .rmsNorm
            config.feedForward = .swiGLU
            config.bias = false
            config.tiedHead = false
        }
        return config
    }

    @Test func parameterNamesAndShapes() {
        let model = GPT(tinyConfig(), generator: Generator(seed: 1))
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["tokenEmbedding.weight"] == [16, 16])
        #expect(shapes["positionEmbedding.weight"] == [24, 16])
        #expect(shapes["layers.1.attention.query.weight"] == [16, 16])
        #expect(shapes["layers.1.attention.output.bias"] == [16])
        #expect(shapes["layers.0.attentionNorm.weight"] == [16])
        #expect(shapes["layers.0.feedForward.up.weight"] == [32, 16])
        #expect(shapes["layers.0.feedForward.down.weight"] == [16, 32])
        #expect(shapes["finalNorm.bias"] == [16])
        #expect(shapes["head.weight"] == nil)   // tied
        #expect(model.namedParameters().count == 2 + 2 * 16 + 2)

        let llama = GPT(tinyConfig(rotary: true), generator: Generator(seed: 1))
        let names = Set(llama.namedParameters().map(\.name))
        #expect(names.contains("layers.1.feedForward.gate.weight"))
        #expect(names.contains("head.weight"))
        #expect(!names.contains("positionEmbedding.weight"))
        #expect(!names.contains("layers.0.attention.query.bias"))
        #expect(llama.layers[0].attention.key!.weight.shape == [8, 16])   // 2 kv heads of 4

        var withBias = tinyConfig()
        withBias.headBias = true
        #expect(GPT(withBias).namedParameters().map(\.name).contains("headBias"))
        withBias.tiedHead = false
        #expect(GPT(withBias).namedParameters().suffix(2).map(\.name) == ["head.weight", "head.bias"])
    }

    /// llm.c-style parity: the same tiny model in PyTorch (Tests/Fixtures/make_gpt_fixtures.py)
    /// gives the same loss and the same gradient for every parameter.
    @Test(arguments: ["tiny_gpt", "tiny_llama"])
    func lossAndGradientsMatchPyTorch(fixture: String) throws {
        let file = try SafeTensors.load(contentsOf: layerFixtureURL("\(fixture).safetensors"))
        var config = GPTConfig(vocabularySize: 32, maxPositions: 16, dim: 16, layers: 2, heads: 4, hidden: 48)
        if fixture == "tiny_llama" {
            config.kvHeads = 2
            config.positions = .rotary(base: 10_000)
            config.norm = .rmsNorm
            config.normEps = 1e-6
            config.feedForward = .swiGLU
            config.bias = false
            config.tiedHead = false
        }
        for dtype in [DType.float64, .float32] {
            config.dtype = dtype
            let model = GPT(config)
            let parameters = file.filter { !$0.key.contains(".") || !["grad", "input", "output"].contains(String($0.key.split(separator: ".")[0])) }
            try model.load(stateDict: parameters, strict: true)
            let loss = model.loss(file["input.ids"]!, targets: file["input.targets"]!)
            let expectedLoss = file["output.loss"]!.item()
            // float64 must agree to 1e-5 relative (in practice ~1e-12); float32 to float32 accuracy.
            let tolerance = dtype == .float64 ? 1e-5 : 2e-3
            #expect(Swift.abs(loss.item() - expectedLoss) <= tolerance * Swift.abs(expectedLoss),
                    "\(fixture) \(dtype): loss \(loss.item()) vs \(expectedLoss)")
            loss.backward()
            for (name, parameter) in model.namedParameters() {
                guard let grad = parameter.grad, let expected = file["grad.\(name)"] else {
                    Issue.record("\(fixture): no gradient for \(name)")
                    continue
                }
                let a = grad.scalars(as: Double.self), e = expected.scalars(as: Double.self)
                let scale = e.map(Swift.abs).max() ?? 1
                // Relative per element, with a floor: a tiny fraction of the tensor's scale, and an
                // absolute floor for gradients that are zero in exact arithmetic (the key bias
                // shifts every score of a query equally, so softmax ignores it) and noise here.
                let floor = Swift.max(1e-3 * scale, dtype == .float64 ? 1e-10 : 1e-5)
                var worst = 0.0
                for i in a.indices {
                    worst = Swift.max(worst, Swift.abs(a[i] - e[i]) / Swift.max(Swift.abs(e[i]), floor))
                }
                #expect(worst <= tolerance, "\(fixture) \(dtype) grad \(name): worst relative error \(worst)")
            }
        }
    }

    @Test func tinyModelOverfitsOneBatch() {
        var config = tinyConfig()
        config.dim = 32
        config.hidden = 64
        let model = GPT(config, generator: Generator(seed: 3))
        let rng = Generator(seed: 11)
        let rows = (0..<4).map { _ in (0..<13).map { _ in rng.nextInt(below: 16) } }
        let ids = tokenIds(rows.map { Array($0.dropLast()) })
        let targets = tokenIds(rows.map { Array($0.dropFirst()) })
        let adam = TestAdam(rate: 1e-2)
        var first = 0.0, last = 0.0
        for step in 0..<150 {
            let loss = model.loss(ids, targets: targets)
            if step == 0 { first = loss.item() }
            last = loss.item()
            loss.backward()
            adam.update(model.trainableParameters())
        }
        #expect(last < 0.1 * first, "loss \(first) → \(last)")
    }

    @Test(arguments: [PositionEncoding.learned, .sinusoidal, .rotary(base: 10_000)])
    func cachedDecodingMatchesFullForward(positions: PositionEncoding) {
        var config = tinyConfig(rotary: positions != .learned && positions != .sinusoidal)
        config.positions = positions
        let model = GPT(config, generator: Generator(seed: 5))
        let prompt = [3, 1, 4, 1, 5]
        let cached = model.generate(prompt, maxNewTokens: 10)
        let uncached = model.generate(prompt, maxNewTokens: 10, useCache: false)
        #expect(cached == uncached)
        #expect(cached.count == 10)

        // Logits of each incremental step equal the full forward's logits at that position.
        let sequence = prompt + cached
        let full = withGradientsDisabled { model(tokenIds([sequence])) }
        let cache = model.makeCache()
        var steps = [withGradientsDisabled { model(tokenIds([prompt]), cache: cache) }]
        for token in cached.dropLast() {
            steps.append(withGradientsDisabled { model(tokenIds([[token]]), cache: cache) })
        }
        #expect(cache.length == sequence.count - 1)
        let incremental = Tensor.concat(steps, axis: 1)
        expectTensorsClose(incremental, full.slice(axis: 1, 0..<(sequence.count - 1)), tolerance: 1e-5)

        // Sampling draws the same tokens either way when the generators start alike.
        let a = model.generate(prompt, maxNewTokens: 8, strategy: .topK(5, temperature: 0.9), generator: Generator(seed: 9))
        let b = model.generate(prompt, maxNewTokens: 8, strategy: .topK(5, temperature: 0.9), generator: Generator(seed: 9),
                               useCache: false)
        #expect(a == b)
    }

    @Test func generationStopsAtStopTokensAndMaxPositions() {
        let model = GPT(tinyConfig(), generator: Generator(seed: 5))
        let free = model.generate([1, 2], maxNewTokens: 6)
        let stopped = model.generate([1, 2], maxNewTokens: 6, stopTokens: [free[2]])
        #expect(stopped == Array(free.prefix(through: free.firstIndex(of: free[2])!)))
        // maxPositions 24: a 20-token prompt leaves room for 5 more positions (the last token
        // generated needs no position of its own).
        #expect(model.generate(Array(repeating: 1, count: 20), maxNewTokens: 50).count == 5)
        #expect(model.isTraining)   // mode restored
    }

    @Test func gptPreconditions() async {
        await #expect(processExitsWith: .failure) {
            let model = GPT(GPTConfig(vocabularySize: 8, maxPositions: 4, dim: 8, layers: 1, heads: 2))
            _ = model(Tensor.zeros([1, 5], dtype: .int32))   // longer than maxPositions
        }
        await #expect(processExitsWith: .failure) {
            let model = GPT(GPTConfig(vocabularySize: 8, maxPositions: 4, dim: 8, layers: 1, heads: 2))
            _ = model(Tensor.zeros([1, 3]))   // float ids
        }
    }

    @Test func samplingStrategies() {
        let logits = [0.1, 2.0, -1.0, 1.9]
        let rng = Generator(seed: 0)
        #expect(SamplingStrategy.greedy.pick(logits, generator: rng) == 1)
        #expect(SamplingStrategy.topK(1).pick(logits, generator: rng) == 1)
        #expect(SamplingStrategy.topP(0.01).pick(logits, generator: rng) == 1)
        let draws = (0..<200).map { _ in SamplingStrategy.topK(2).pick(logits, generator: rng) }
        #expect(Set(draws) == [1, 3])
        let nucleus = (0..<200).map { _ in SamplingStrategy.topP(0.9).pick(logits, generator: rng) }
        #expect(Set(nucleus).isSubset(of: [1, 3, 0]) && Set(nucleus).contains(3))
    }

    /// Checkpointed blocks give the same loss and gradients, dropout included.
    @Test func gradientCheckpointingGivesTheSameGradients() {
        var config = tinyConfig()
        config.dropout = 0.2
        config.dtype = .float64
        let generator = Generator(seed: 1)
        let model = GPT(config, generator: generator)
        let ids = tokenIds([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]])
        let targets = tokenIds([[2, 3, 4, 5, 6, 7], [5, 4, 3, 2, 1, 0]])
        func run(_ checkpointing: Bool) -> (Double, [Tensor], [UInt64]) {
            model.gradientCheckpointing = checkpointing
            model.parameters().forEach { $0.zeroGrad() }
            generator.reseed(42)
            let loss = model.loss(ids, targets: targets)
            loss.backward()
            return (loss.item(), model.parameters().map { $0.grad! }, generator.stateWords)
        }
        let (plainLoss, plainGrads, plainState) = run(false)
        let (loss, grads, state) = run(true)
        #expect(loss == plainLoss)
        #expect(state == plainState)   // the generator ends where an ordinary step leaves it
        for (a, b) in zip(grads, plainGrads) { expectTensorsClose(a, b, tolerance: 1e-12) }
    }

    /// Tiny Hugging Face GPT-2 and LLaMA models (Tests/Fixtures/make_hf_decoder_fixtures.py),
    /// renamed by the mapping documented on `GPT`: same logits, loss and gradients.
    @Test(arguments: ["hf_gpt2", "hf_llama"])
    func matchesHuggingFaceDecoders(fixture: String) throws {
        let file = try SafeTensors.load(contentsOf: layerFixtureURL("\(fixture).safetensors"))
        var config = GPTConfig(vocabularySize: 32, maxPositions: 16, dim: 16, layers: 2, heads: 4, hidden: 48)
        config.dtype = .float64
        if fixture == "hf_gpt2" {
            config.fusedQKV = true
        } else {
            config.kvHeads = 2
            config.positions = .rotary(base: 10_000)
            config.norm = .rmsNorm
            config.normEps = 1e-6
            config.feedForward = .swiGLU
            config.bias = false
            config.tiedHead = false
        }
        let model = GPT(config)
        let prefixes = ["grad.", "input.", "output."]
        try model.load(stateDict: file.filter { key, _ in !prefixes.contains { key.hasPrefix($0) } }, strict: true)
        // HF LLaMA computes its RoPE tables and RMSNorm statistics in float32 even for a float64
        // model, so it agrees to ~1e-7 only; GPT-2 stays in float64 throughout.
        let tolerance = fixture == "hf_gpt2" ? 1e-10 : 1e-5
        let logits = model(file["input.ids"]!)
        expectTensorsClose(logits, file["output.logits"]!, tolerance: tolerance)
        let loss = Tensor.crossEntropy(logits: logits, targets: file["input.targets"]!)
        expectTensorsClose(loss.reshape([1]), file["output.loss"]!, tolerance: tolerance)
        loss.backward()
        for (name, parameter) in model.namedParameters() {
            guard let grad = parameter.grad, let expected = file["grad.\(name)"] else {
                Issue.record("\(fixture): no gradient for \(name)")
                continue
            }
            expectTensorsClose(grad, expected, tolerance: fixture == "hf_gpt2" ? 1e-8 : 1e-5)
        }
    }
}
