import Foundation
import Testing
@testable import FineTuning

@Suite struct SFTCollatorTests {
    @Test func shiftsPadsOnTheRightAndCountsTrainedTargets() {
        let examples = [
            SFTExample(ids: [1, 2, 3, 4], labels: [-100, -100, 3, 4]),
            SFTExample(ids: [5, 6], labels: [5, 6]),
        ]
        let batch = SFTCollator(paddingID: 0).collate(examples)
        #expect(batch.inputIDs.shape == [2, 3] && batch.inputIDs.dtype == .int64)
        #expect(batch.inputIDs.scalars(as: Int64.self) == [1, 2, 3, 5, 0, 0])
        #expect(batch.labels.scalars(as: Int64.self) == [-100, 3, 4, 6, -100, -100])
        #expect(batch.attentionMask?.scalars(as: Int64.self) == [1, 1, 1, 1, 0, 0])
        #expect(batch.exampleCount == 2 && batch.tokenCount == 3 && batch.labelCount == 3)

        // The tokenizer's padding id, else its end of sequence, else 0.
        #expect(SFTCollator(tokenizer: ByteTokenizer()).paddingID == ByteTokenizer.padID)
        #expect(SFTCollator(tokenizer: ByteTokenizer()).collate(examples).inputIDs.scalars(as: Int64.self)[4] == Int64(ByteTokenizer.padID))
    }

    /// Right padding under causal attention: an example's loss is the same alone or next to a
    /// longer one, so the batch loss is the token-weighted mean of the examples' losses.
    @Test func paddingDoesNotChangeAnExamplesLoss() {
        var config = GPTConfig(vocabularySize: 40, maxPositions: 32, dim: 16, layers: 2, heads: 4, kvHeads: 2, hidden: 24)
        config.positions = .rotary(base: 10_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.dtype = .float64
        let model = GPT(config, generator: Generator(seed: 3))
        model.eval()
        let short = SFTExample(ids: [1, 7, 9, 12, 3], labels: [-100, -100, 9, 12, 3])
        let long = SFTExample(ids: [2, 5, 5, 8, 30, 31, 17, 6, 4, 11], labels: [-100, -100, -100, -100, 30, 31, 17, 6, 4, 11])
        let collator = SFTCollator(paddingID: 0)
        func loss(_ examples: [SFTExample]) -> (value: Double, trained: Int) {
            let batch = collator.collate(examples)
            let value = model.loss(batch.inputIDs, targets: batch.labels, mask: batch.attentionMask).item()
            #expect(LanguageModelingLoss(model).output(for: batch).loss.item() == value)
            return (value, batch.tokenCount)
        }
        let (a, b, both) = (loss([short]), loss([long]), loss([short, long]))
        #expect(both.trained == a.trained + b.trained)
        let weighted = (a.value * Double(a.trained) + b.value * Double(b.trained)) / Double(both.trained)
        #expect(abs(both.value - weighted) < 1e-12)
        // The padding id does not matter either.
        let otherPad = SFTCollator(paddingID: 39).collate([short, long])
        #expect(abs(model.loss(otherPad.inputIDs, targets: otherPad.labels, mask: otherPad.attentionMask).item() - both.value) < 1e-12)
    }
}
