import Foundation
import Testing
import FineTuning

/// The code of FineTuning.docc/TrainingLanguageModel.md ("Training a language model on your
/// text"), run on a small text with a smaller model and budget.
@Suite struct LanguageModelArticleTests {
    @Test func trainingLanguageModelArticle() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lm-article-\(UUID().uuidString)")
        let texts = folder.appendingPathComponent("my-texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try String(repeating: "The cat sat on the mat. ", count: 30).write(to: texts.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try String(repeating: "The dog ran in the fog. ", count: 30).write(to: texts.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)

        let tokenizer = ByteTokenizer()
        let corpus = try TextCorpus(contentsOf: texts, tokenizer: tokenizer)
        let blocks = try corpus.blocks(size: 32, stride: 16, validation: 0.1, seed: 0)
        #expect(corpus.documents.count == 2 && corpus.tokens.count == 2 * (24 * 30 + 1))
        #expect(blocks.train.count > 0 && blocks.validation.count > 0)

        let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, maxPositions: blocks.train.blockSize,
                               dim: 16, layers: 1, heads: 2)
        let model = GPT(config, generator: Generator(seed: 0))

        var configuration = TrainerConfiguration(maxSteps: 40, batchSize: 8)
        configuration.warmupSteps = 4
        configuration.decay = .cosine(minFactor: 0.1)
        configuration.evaluateEvery = 20
        configuration.outputDirectory = folder.appendingPathComponent("runs/my-lm")
        configuration.checkpointEvery = 20
        configuration.progress = .silent
        let trainer = Trainer(model: model, optimizer: AdamW(model: model, learningRate: 1e-2),
                              trainData: blocks.train, evaluationData: blocks.validation,
                              collator: TokenBlockCollator(), configuration: configuration,
                              metrics: [PerplexityMetric()], loss: LanguageModelingLoss(model))
        let result = try trainer.train()
        let evaluation = try #require(result.finalEvaluation)
        #expect(evaluation["eval_perplexity"]! < 20, "\(evaluation)")   // untrained: about 259
        #expect(result.checkpoints.map(\.lastPathComponent) == ["checkpoint-20", "checkpoint-40"])

        let prompt = [ByteTokenizer.eosID] + tokenizer.encode("The ", addSpecialTokens: false)
        let sampling = SamplingParameters(temperature: 0.8, topK: 40)
        let continuation = model.generate(prompt, maxNewTokens: 20, sampling: sampling, generator: Generator(seed: 1))
        let text = tokenizer.decode(prompt + continuation, skipSpecialTokens: true)
        #expect(text.hasPrefix("The ") && continuation.count == 20)
    }
}
