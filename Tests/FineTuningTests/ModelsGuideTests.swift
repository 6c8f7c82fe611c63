import Testing
import FineTuning

// The code of Documentation/Models.md, compiled and run (public API only).

private final class MLP: Module, Layer {
    var hidden = Linear(4, 16)
    var output = Linear(16, 2)
    func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
}

@Suite struct ModelsGuideTests {
    @Test func moduleAndGPTExamples() {
        let model = MLP()
        #expect(model.namedParameters().map(\.name) == ["hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        #expect(model(Tensor.ones([3, 4])).shape == [3, 2])

        let tokenizer = ByteTokenizer()               // 259 ids: 256 bytes, then BOS, EOS, PAD
        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, maxPositions: 128, dim: 64, layers: 2, heads: 4)
        let gpt = GPT(config, generator: Generator(seed: 0))
        let ids = Tensor(tokenizer.encode("Hello, world!").map { Int64($0) }, shape: [1, 14])
        let loss = gpt.loss(ids, targets: ids)
        let continuation = gpt.generate([1, 2, 3], maxNewTokens: 5, strategy: .topK(10, temperature: 0.8))
        #expect(loss.count == 1 && loss.item() > 0 && continuation.count == 5)

        let encoder = Encoder(EncoderConfig(vocabularySize: tokenizer.vocabularySize, dim: 64, layers: 2, heads: 4, hidden: 128))
        let mask = Tensor.ones([1, 14], dtype: .int64)
        let hidden = encoder(ids, mask: mask)
        let sentence = meanPooling(hidden, mask: mask)
        #expect(hidden.shape == [1, 14, 64] && sentence.shape == [1, 64])
    }
}

@Suite struct GettingStartedGuideTests {
    /// Documentation/GettingStarted.md's first program, on a tiny encoder instead of the real model.
    @Test func firstFineTuningProgram() throws {
        let encoder = Encoder(EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32))
        let classifier = SequenceClassifier(encoder: encoder, classes: 2, pooling: .mean)
        let summary = try LoRA(LoRAConfig(rank: 8, alpha: 16, targetModules: ["query", "value"],
                                          modulesToSave: ["classifier"])).prepare(classifier)
        #expect("\(summary)".hasPrefix("trainable params: "))
        let optimizer = AdamW(parameters: classifier.trainableParameters(), learningRate: 1e-3)
        #expect(optimizer.parameters.count == classifier.trainableParameters().count && summary.trainable > 0)
    }
}
