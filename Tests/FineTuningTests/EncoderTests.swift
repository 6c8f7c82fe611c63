import Testing
@testable import FineTuning

@Suite struct EncoderTests {
    private func tinyConfig() -> EncoderConfig {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dtype = .float64
        return config
    }

    @Test func namesFollowTheHuggingFaceBertLayout() {
        let encoder = Encoder(tinyConfig(), generator: Generator(seed: 0))
        let shapes = Dictionary(uniqueKeysWithValues: encoder.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["embeddings.wordEmbeddings.weight"] == [30, 16])
        #expect(shapes["embeddings.positionEmbeddings.weight"] == [12, 16])
        #expect(shapes["embeddings.tokenTypeEmbeddings.weight"] == [2, 16])
        #expect(shapes["embeddings.norm.weight"] == [16])
        #expect(shapes["layers.1.attention.query.weight"] == [16, 16])
        #expect(shapes["layers.1.attention.output.bias"] == [16])
        #expect(shapes["layers.1.attentionNorm.bias"] == [16])
        #expect(shapes["layers.0.feedForward.up.weight"] == [32, 16])
        #expect(shapes["layers.0.feedForward.down.weight"] == [16, 32])
        #expect(shapes["layers.0.feedForwardNorm.weight"] == [16])
        #expect(shapes["pooler.weight"] == [16, 16])
        #expect(shapes.count == 5 + 2 * 16 + 2)
        #expect(!encoder.layers[0].preNorm)
    }

    @Test func outputShapesAndPooling() {
        let encoder = Encoder(tinyConfig(), generator: Generator(seed: 0))
        encoder.eval()
        let ids = tokenIds([[1, 5, 6, 7, 2], [1, 8, 2, 0, 0]])
        let mask = tokenIds([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
        let hidden = encoder(ids, tokenTypes: tokenIds([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]), mask: mask)
        #expect(hidden.shape == [2, 5, 16])
        #expect(encoder.pooled(hidden).shape == [2, 16])
        expectTensorsClose(clsPooling(hidden), hidden.select(axis: 1, index: 0))
        // Mean pooling ignores padding: row 1 is the mean of its first three positions.
        let pooled = meanPooling(hidden, mask: mask)
        #expect(pooled.shape == [2, 16])
        expectTensorsClose(pooled[1], hidden[1].slice(axis: 0, 0..<3).sum(axes: [0]) / 3, tolerance: 1e-12)
        expectTensorsClose(meanPooling(hidden)[0], hidden[0].sum(axes: [0]) / 5, tolerance: 1e-12)
    }

    @Test func paddingDoesNotChangeRealPositions() {
        let encoder = Encoder(tinyConfig(), generator: Generator(seed: 2))
        encoder.eval()
        let plain = encoder(tokenIds([[1, 5, 6, 7, 2]]))
        let padded = encoder(tokenIds([[1, 5, 6, 7, 2, 0, 0, 0]]), mask: tokenIds([[1, 1, 1, 1, 1, 0, 0, 0]]))
        expectTensorsClose(padded.slice(axis: 1, 0..<5), plain, tolerance: 1e-10)
        // Batched with a longer sequence: the short one still sees only its own tokens.
        let batch = encoder(tokenIds([[1, 5, 6, 7, 2, 0, 0, 0], [1, 9, 9, 9, 9, 9, 9, 2]]),
                            mask: Tensor([true, true, true, true, true, false, false, false,
                                          true, true, true, true, true, true, true, true], shape: [2, 8]))
        expectTensorsClose(batch[0].slice(axis: 0, 0..<5), plain[0], tolerance: 1e-10)
        // Without the mask the padding does leak in (the test would be vacuous otherwise).
        let unmasked = encoder(tokenIds([[1, 5, 6, 7, 2, 0, 0, 0]]))
        let leak = (unmasked.slice(axis: 1, 0..<5) - plain).abs().sum().item()
        #expect(leak > 1e-6)
    }

    @Test func dropoutOnlyWhileTraining() {
        var config = tinyConfig()
        config.dropout = 0.5
        let encoder = Encoder(config, generator: Generator(seed: 3))
        let ids = tokenIds([[1, 2, 3, 4]])
        encoder.eval()
        expectTensorsClose(encoder(ids), encoder(ids), tolerance: 0)
        encoder.train()
        #expect((encoder(ids) - encoder(ids)).abs().sum().item() > 1e-6)
    }

    @Test func gradientCheckpointingGivesTheSameGradients() {
        let generator = Generator(seed: 6)
        let encoder = Encoder(tinyConfig(), generator: generator)   // dropout 0.1, training mode
        let ids = tokenIds([[1, 5, 6, 2, 0], [1, 7, 8, 9, 2]])
        func run(_ checkpointing: Bool) -> [Tensor] {
            encoder.gradientCheckpointing = checkpointing
            encoder.parameters().forEach { $0.zeroGrad() }
            generator.reseed(5)
            (encoder(ids, mask: ids.notEqual(0)).pow(2)).sum().backward()
            return encoder.parameters().map { $0.grad ?? $0.zerosLike() }
        }
        let plain = run(false)
        for (a, b) in zip(run(true), plain) { expectTensorsClose(a, b, tolerance: 1e-12) }
    }

    @Test func sequenceClassifierTrains() {
        var config = tinyConfig()
        config.dropout = 0
        // A wider init than BERT's 0.02, so that three tiny sequences start distinguishable at [CLS].
        config.initStd = 0.2
        for pooling in [Pooling.cls, .mean] {
            let model = SequenceClassifier(config, classes: 3, pooling: pooling, generator: Generator(seed: 4))
            #expect(model.namedParameters().map(\.name).suffix(2) == ["classifier.weight", "classifier.bias"])
            let ids = tokenIds([[1, 5, 6, 2, 0], [1, 7, 2, 0, 0], [1, 9, 9, 9, 2]])
            let mask = ids.notEqual(0)
            let labels = Tensor([0, 2, 1] as [Int32])
            #expect(model(ids, mask: mask).shape == [3, 3])
            let adam = TestAdam(rate: 1e-2)
            var first = 0.0, last = 0.0
            for step in 0..<100 {
                let loss = Tensor.crossEntropy(logits: model(ids, mask: mask), targets: labels)
                if step == 0 { first = loss.item() }
                last = loss.item()
                loss.backward()
                adam.update(model.trainableParameters())
            }
            #expect(last < 0.2 * first, "\(pooling): loss \(first) → \(last)")
        }
    }

    /// A Hugging Face `BertModel` (Tests/Fixtures/make_encoder_fixtures.py), its parameters
    /// renamed by the mapping documented on `Encoder`: same hidden states, pooled output and
    /// gradients of every parameter.
    @Test func matchesHuggingFaceBert() throws {
        let file = try SafeTensors.load(contentsOf: layerFixtureURL("tiny_bert.safetensors"))
        var config = tinyConfig()
        config.dropout = 0
        let encoder = Encoder(config)
        let prefixes = ["grad.", "input.", "output."]
        try encoder.load(stateDict: file.filter { key, _ in !prefixes.contains { key.hasPrefix($0) } }, strict: true)
        let mask = file["input.mask"]!
        let hidden = encoder(file["input.ids"]!, tokenTypes: file["input.types"]!, mask: mask)
        expectTensorsClose(hidden, file["output.hidden"]!, tolerance: 1e-10)
        let pooled = encoder.pooled(hidden)
        expectTensorsClose(pooled, file["output.pooled"]!, tolerance: 1e-10)
        let weights = file["input.weights"]! * mask.cast(to: .float64).unsqueezed(axis: 2)
        let loss = (hidden * weights).sum() + pooled.sum()
        expectTensorsClose(loss.reshape([1]), file["output.loss"]!, tolerance: 1e-10)
        loss.backward()
        for (name, parameter) in encoder.namedParameters() {
            guard let grad = parameter.grad, let expected = file["grad.\(name)"] else {
                Issue.record("no gradient for \(name)")
                continue
            }
            expectTensorsClose(grad, expected, tolerance: 1e-8)
        }
    }
}
