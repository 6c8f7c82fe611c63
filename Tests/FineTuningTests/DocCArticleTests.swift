import Foundation
import Testing
import FineTuning

// The Swift code of the DocC catalogs (Sources/TensorKit/TensorKit.docc and
// Sources/FineTuning/FineTuning.docc), compiled and run; each test names the page it copies.
// Where a page loads all-MiniLM-L6-v2, a tiny random BERT folder stands in for it.
@Suite struct DocCArticleTests {
    /// A Hugging Face-style BERT folder (config.json, vocab.txt, model.safetensors) with random
    /// weights: 2 layers of width 8, a 16-token vocabulary.
    private func tinyBertFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("docc-articles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "bert", "vocab_size": 16, "hidden_size": 8, "num_hidden_layers": 2,
            "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu",
            "max_position_embeddings": 64, "type_vocab_size": 2, "hidden_dropout_prob": 0.0,
        ]
        let configURL = url.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "film", "dull", "and", "too",
                          "long", "loved", "every", "minute", "what", "story"]
        try (vocabulary.joined(separator: "\n") + "\n")
            .write(to: url.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let encoder = Encoder(try BertConfig(contentsOf: configURL).encoderConfig(), generator: Generator(seed: 9))
        try SafeTensors.save(BertNameMapping.huggingFaceStateDict(fromOurs: encoder.stateDict()),
                             to: url.appendingPathComponent("model.safetensors"), durable: false)
        return url
    }

    /// TensorKit.md (the landing page).
    @Test func tensorKitLandingPage() {
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let w = Tensor.normal([3, 2], generator: Generator(seed: 0)).requiringGrad()
        let loss = (x.matmul(w).tanh() * 2).sum()
        loss.backward()
        #expect(w.grad!.shape == [3, 2])   // print(w.grad!)

        let before = w.clone()
        let optimizer = AdamW(parameters: [w], learningRate: 1e-3, weightDecay: 0.01)
        optimizer.step()        // updates w in place
        #expect((w - before).abs().sum().item() > 0)
    }

    /// TrainingWithAutograd.md ("Training a small network with autograd").
    @Test func trainingFromScratchArticle() {
        let generator = Generator(seed: 42)   // every random tensor below is reproducible
        let x = Tensor.uniform([256, 2], low: -1.5, high: 1.5, generator: generator)
        let x0 = x.select(axis: 1, index: 0), x1 = x.select(axis: 1, index: 1)
        let y = ((x0 * 3).sin() * x1).unsqueezed(axis: 1)                   // [256, 1]

        let w1 = Tensor.normal([2, 64], std: 0.5, generator: generator).requiringGrad()
        let b1 = Tensor.zeros([64]).requiringGrad()
        let w2 = Tensor.normal([64, 1], std: 0.1, generator: generator).requiringGrad()
        let b2 = Tensor.zeros([1]).requiringGrad()
        let parameters = [w1, b1, w2, b2]

        func predict(_ x: Tensor) -> Tensor { (x.matmul(w1) + b1).gelu().matmul(w2) + b2 }

        let steps = 200
        let optimizer = AdamW(parameters: parameters, learningRate: 1e-2, weightDecay: 1e-4)
        let scheduler = LearningRateScheduler(.warmupCosine(warmupSteps: 20, totalSteps: steps),
                                              optimizer: optimizer)
        let initialError = withGradientsDisabled { predict(x) - y }
        for _ in 0..<steps {
            let error = predict(x) - y
            let loss = (error * error).mean()
            optimizer.zeroGrad()
            loss.backward()
            clipGradientNorm(parameters, maxNorm: 1)
            optimizer.step()
            scheduler.step()
        }
        let testError = withGradientsDisabled { predict(x) - y }   // no graph is recorded
        let mse = (testError * testError).mean().item()
        #expect(mse < 0.5 * (initialError * initialError).mean().item(), "MSE \(mse)")
        #expect(testError.gradFn == nil)

        let a = Tensor.normal([4, 3], dtype: .float64, generator: generator)
        let result = gradcheck({ $0[0].gelu().sum() }, inputs: [a])
        #expect(result.passed, "\(result)")
    }

    /// FineTuning.md (the landing page) and FineTuningInFiveMinutes.md.
    @Test func fineTuningInFiveMinutesArticle() throws {
        let folder = try tinyBertFolder()   // the article: URL(fileURLWithPath: "data/all-MiniLM-L6-v2")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("docc-articles-runs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: runs) }

        // FineTuning.md
        do {
            let pretrained = try PretrainedEncoder(directory: folder)
            let classifier = SequenceClassifier(encoder: pretrained.encoder, classes: 2, pooling: .mean)
            let summary = try LoRA(LoRAConfig(rank: 8, alpha: 16, modulesToSave: ["classifier"]))
                .prepare(classifier)
            #expect(summary.trainable == 2 * 2 * (8 * 8 + 8 * 8) + 8 * 2 + 2)   // LoRA on query/value + head
            let optimizer = AdamW(parameters: classifier.trainableParameters(), learningRate: 1e-3)
            #expect(optimizer.parameters.count == 2 * 2 * 2 + 2)
        }

        // FineTuningInFiveMinutes.md
        let pretrained = try PretrainedEncoder(directory: folder)
        let classifier = SequenceClassifier(encoder: pretrained.encoder, classes: 2, pooling: .mean)

        let lora = LoRA(LoRAConfig(rank: 8, alpha: 16, targetModules: ["query", "value"],
                                   modulesToSave: ["classifier"]))
        #expect("\(try lora.prepare(classifier))".hasPrefix("trainable params: "))

        let examples = [
            TextClassificationExample(text: "a gripping, beautifully acted film", label: 1),
            TextClassificationExample(text: "dull and far too long", label: 0),
            TextClassificationExample(text: "I loved every minute", label: 1),
            TextClassificationExample(text: "a waste of a good cast", label: 0),
        ]
        var configuration = TrainerConfiguration(epochs: 3, batchSize: 2)
        configuration.progress = .silent
        let trainer = Trainer(model: classifier,
                              optimizer: AdamW(parameters: classifier.trainableParameters(), learningRate: 1e-3),
                              trainData: ArrayDataset(examples), evaluationData: ArrayDataset(examples),
                              collator: TextClassificationCollator(tokenizer: pretrained.tokenizer, maxLength: 64),
                              configuration: configuration, loss: ClassificationLoss(classifier))
        let result = try trainer.train()
        #expect(result.finalEvaluation?["eval_loss"] != nil && result.finalEvaluation?["eval_accuracy"] != nil)

        classifier.eval()
        let batch = pretrained.tokenizer.encodeBatch(["what a wonderful story"], maxLength: 64)
        let probabilities = withGradientsDisabled {
            classifier(batch.idsTensor(), mask: batch.attentionMaskTensor()).softmax(axis: -1)
        }
        let values = probabilities.scalars(as: Float.self)
        #expect(values.count == 2 && Swift.abs(values.reduce(0, +) - 1) < 1e-5)

        let adapterFolder = runs.appendingPathComponent("sentiment-adapter")   // the article: "runs/sentiment-adapter"
        try classifier.saveAdapter(to: adapterFolder)
        #expect(FileManager.default.fileExists(atPath: adapterFolder.appendingPathComponent("adapter_config.json").path))
    }
}
