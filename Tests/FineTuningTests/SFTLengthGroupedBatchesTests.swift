import Foundation
import Testing
@testable import FineTuning

@Suite struct SFTLengthGroupedBatchesTests {
    private let lengths: [Int] = {
        let generator = Generator(seed: 11)
        return (0..<1000).map { _ in 1 + generator.nextInt(below: 200) }
    }()

    /// The mean spread (longest − shortest) of the batches.
    private func meanSpread(_ batches: [[Int]]) -> Double {
        let spreads = batches.map { batch in batch.map { lengths[$0] }.max()! - batch.map { lengths[$0] }.min()! }
        return Double(spreads.reduce(0, +)) / Double(batches.count)
    }

    @Test func batchesHoldSimilarLengthsAndEveryExampleOnce() {
        let grouped = LengthGroupedBatches.batches(lengths: lengths, batchSize: 8, seed: 5, epoch: 0)
        #expect(grouped.flatMap { $0 }.sorted() == Array(0..<1000))
        #expect(grouped.count == 125 && grouped.allSatisfy { $0.count == 8 })
        let shuffled = BatchSampler(count: 1000, batchSize: 8, seed: 5).batches(epoch: 0)
        // Random batches of lengths uniform on 1...200 spread about 155; sorted mega-batches of
        // 248 examples (the default factor is 31 here) leave a few tokens.
        #expect(meanSpread(shuffled) > 100)
        #expect(meanSpread(grouped) < 10)
        // The batch with the longest example comes first.
        #expect(grouped[0].contains { lengths[$0] == lengths.max()! })
        #expect(LengthGroupedBatches.defaultMegaBatchFactor(count: 1000, batchSize: 8) == 31)
    }

    @Test func orderDependsOnlyOnSeedAndEpoch() {
        let a = LengthGroupedBatches.batches(lengths: lengths, batchSize: 8, seed: 5, epoch: 1)
        #expect(a == LengthGroupedBatches.batches(lengths: lengths, batchSize: 8, seed: 5, epoch: 1))
        #expect(a != LengthGroupedBatches.batches(lengths: lengths, batchSize: 8, seed: 5, epoch: 2))
        #expect(a != LengthGroupedBatches.batches(lengths: lengths, batchSize: 8, seed: 6, epoch: 1))
        // Through the sampler, which groups only when it shuffles.
        var sampler = BatchSampler(count: 1000, batchSize: 8, seed: 5)
        sampler.lengths = lengths
        #expect(sampler.batches(epoch: 1) == a)
        sampler.shuffle = false
        #expect(sampler.batches(epoch: 1).first == Array(0..<8))
    }

    @Test func shortBatchIsKeptOrDropped() {
        let lengths = Array(1...21)
        let kept = LengthGroupedBatches.batches(lengths: lengths, batchSize: 4, seed: 0, epoch: 0, megaBatchFactor: 2)
        #expect(kept.map(\.count).sorted() == [1, 4, 4, 4, 4, 4])
        #expect(kept.flatMap { $0 }.sorted() == Array(0..<21))
        let dropped = LengthGroupedBatches.batches(lengths: lengths, batchSize: 4, seed: 0, epoch: 0, megaBatchFactor: 2, dropLast: true)
        #expect(dropped.count == 5 && dropped.allSatisfy { $0.count == 4 })
        #expect(BatchSampler(count: 21, batchSize: 4, dropLast: true).batchCount == dropped.count)
    }

    @Test func trainerBatchesByLengthWhenAsked() throws {
        let generator = Generator(seed: 2)
        let examples = (0..<48).map { i in
            let ids = (0..<(2 + (i * 7) % 20)).map { (i + $0) % 250 }
            return SFTExample(ids: ids, labels: ids)
        }
        let model = tinyByteGPT(generator: generator)
        var config = TrainerConfiguration(epochs: 2, batchSize: 4)
        config.groupByLength = true
        config.seed = 9
        config.progress = .silent
        var seen: [[Int]] = []
        let collator = SFTCollator(paddingID: 0)
        let trainer = Trainer(model: model, optimizer: SGD(parameters: model.trainableParameters(), learningRate: 0.01),
                              trainData: ArrayDataset(examples), collate: { batch in
                                  seen.append(batch.map(\.ids.count))
                                  return collator.collate(batch)
                              }, configuration: config, metrics: [], loss: LanguageModelingLoss(model).output(for:))
        #expect(trainer.sampler.lengths == examples.map(\.sequenceLength))
        try trainer.train()
        let expected = (0..<2).flatMap { epoch in
            LengthGroupedBatches.batches(lengths: examples.map(\.sequenceLength), batchSize: 4, seed: 9, epoch: epoch)
                .map { $0.map { examples[$0].ids.count } }
        }
        #expect(seen == expected)

        // Examples without a length cannot be grouped. (Classification examples: the resume tests
        // give language-modeling examples a length of their own.)
        let classifier = BagClassifier()
        let texts = Trainer(model: classifier, optimizer: SGD(parameters: classifier.trainableParameters(), learningRate: 0.01),
                            trainData: tinyClassificationData(count: 8),
                            collate: TextClassificationCollator(tokenizer: ByteTokenizer()).collate,
                            configuration: config, loss: classifier.output(for:))
        #expect(throws: TrainingError.invalidConfiguration("groupByLength needs examples that are SequenceLengthMeasurable")) {
            try texts.train()
        }
    }
}
