import Foundation
import Testing
@testable import FineTuning

/// The flow of Documentation/Training.md's "A complete run", at toy size: CSV → split →
/// SequenceClassifier → Trainer with every output on → best model restored.
@Suite struct TrainingDocumentationTests {
    @Test func completeRunFromTheGuide() throws {
        let directory = trainingTemporaryDirectory()
        var csv = "id,review,sentiment\n"
        let data = tinyClassificationData(count: 40, seed: 4)
        for (i, example) in data.examples.enumerated() {
            csv += "\(i),\"\(example.text), ok\",\(example.label == 1 ? "positive" : "negative")\n"
        }
        csv += "40,\"broken,positive\n"   // one malformed record
        let url = directory.appendingPathComponent("reviews.csv")
        try Data(csv.utf8).write(to: url)

        var labels = LabelMap(names: ["negative", "positive"])
        let read = try CSVReader(textColumn: "review", labelColumn: "sentiment", skipMalformed: true)
            .readClassification(from: url, labels: &labels)
        #expect(read.skippedCount == 1 && read.examples.count == 40)
        let parts = read.dataset.split(validation: 0.2, test: 0.1, seed: 42)

        let tokenizer: any Tokenizer = ByteTokenizer()
        var encoderConfig = EncoderConfig(vocabularySize: 259, dim: 16, layers: 1, heads: 2, hidden: 32)
        encoderConfig.maxPositions = 32
        encoderConfig.dtype = .float32
        let generator = Generator(seed: 0)
        let model = SequenceClassifier(encoderConfig, classes: 2, generator: generator)
        let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 1e-2, weightDecay: 0.01)

        var config = TrainerConfiguration(epochs: 3, batchSize: 8)
        config.gradientAccumulationSteps = 2
        config.warmupSteps = 1
        config.decay = .cosine
        config.evaluateEvery = 2
        config.earlyStopping = EarlyStopping(metric: "eval_loss", mode: .min, patience: 3)
        config.bestModel = .disk
        config.restoreBestModelAtEnd = true
        config.outputDirectory = directory.appendingPathComponent("run")
        config.checkpointEvery = 2
        config.keepLastCheckpoints = 2
        config.durableCheckpoints = false
        config.progress = .silent

        let trainer = Trainer(model: model, optimizer: optimizer, trainData: parts.train, evaluationData: parts.validation,
                              collator: TextClassificationCollator(tokenizer: tokenizer, maxLength: 16),
                              configuration: config, generators: [generator], loss: ClassificationLoss(model))
        let result = try trainer.train()
        #expect(trainer.totalSteps == 6)   // 28 examples → 4 batches → 2 steps per epoch
        #expect(result.finalEvaluation?["eval_accuracy"] != nil)
        let run = directory.appendingPathComponent("run")
        for file in ["metrics.jsonl", "training_curves.svg", "best/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
        }
        #expect(result.checkpoints.count == 2)
        // The best parameters are what the model holds now.
        let best = try SafeTensors.load(contentsOf: run.appendingPathComponent("best/model.safetensors"))
        #expect(best["classifier.weight"]!.scalars(as: Float.self) == model.classifier.weight.scalars(as: Float.self))
        let store = TrainingCheckpointStore(directory: run.appendingPathComponent("checkpoints"))
        #expect(store.latest()?.lastPathComponent == "checkpoint-\(result.state.step)")
    }
}
