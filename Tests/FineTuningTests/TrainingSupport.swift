import Foundation
import Testing
@testable import FineTuning

/// Bytes → embedding → mean over positions → linear: the smallest text classifier.
final class BagClassifier: Module {
    var embedding: Embedding
    var output: Linear

    init(classes: Int = 2, dim: Int = 8, dtype: DType = .float64, seed: UInt64 = 0) {
        let generator = Generator(seed: seed)
        embedding = Embedding(259, dim, dtype: dtype, generator: generator)
        output = Linear(dim, classes, dtype: dtype, generator: generator)
        super.init()
    }

    func callAsFunction(_ ids: Tensor) -> Tensor { output(embedding(ids).mean(axes: [1])) }

    func output(for batch: Batch) -> StepOutput {
        let logits = self(batch.inputIDs)
        return StepOutput(loss: Tensor.crossEntropy(logits: logits, targets: batch.labels), logits: logits)
    }
}

/// Texts of one length whose label is whether they contain an "a": learnable by a bag model.
func tinyClassificationData(count: Int, seed: UInt64 = 0) -> ArrayDataset<TextClassificationExample> {
    let generator = Generator(seed: seed)
    let letters = Array("abcdefgh")
    return ArrayDataset((0..<count).map { _ in
        let text = String((0..<6).map { _ in letters[generator.nextInt(below: letters.count)] })
        return TextClassificationExample(text: text, label: text.contains("a") ? 1 : 0)
    })
}

/// Short repetitive sentences for a character language model.
func tinyLanguageData(count: Int) -> ArrayDataset<LanguageModelingExample> {
    let words = ["the cat sat", "a dog ran", "the sun is up", "cats and dogs", "up and down", "sat on a mat"]
    return ArrayDataset((0..<count).map { LanguageModelingExample(text: words[$0 % words.count]) })
}

/// A two-layer GPT over byte tokens (vocabulary 259).
func tinyByteGPT(dropout: Double = 0, generator: Generator) -> GPT {
    var config = GPTConfig(vocabularySize: 259, maxPositions: 32, dim: 16, layers: 2, heads: 2, hidden: 32)
    config.dropout = dropout
    return GPT(config, generator: generator)
}

/// Every parameter's bits, by name.
func parameterBits(_ model: Module) -> [String: [UInt64]] {
    Dictionary(uniqueKeysWithValues: model.namedParameters().map { name, tensor in
        (name, tensor.dtype == .float32 ? tensor.scalars(as: Float.self).map { UInt64($0.bitPattern) }
                                        : tensor.scalars(as: Double.self).map(\.bitPattern))
    })
}
