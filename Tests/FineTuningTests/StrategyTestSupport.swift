import Foundation
import Testing
@testable import FineTuning

/// A tiny BERT-style classifier (2 blocks, width 8, no dropout) for strategy tests.
func strategyTestClassifier(seed: UInt64 = 11, dtype: DType = .float32) -> SequenceClassifier {
    var config = EncoderConfig(vocabularySize: 20, dim: 8, layers: 2, heads: 2, hidden: 16)
    config.maxPositions = 8
    config.dropout = 0
    config.initStd = 0.3
    config.dtype = dtype
    return SequenceClassifier(config, classes: 3, generator: Generator(seed: seed))
}

/// A tiny GPT (2 blocks, width 8) for strategy tests.
func strategyTestGPT(seed: UInt64 = 12) -> GPT {
    var config = GPTConfig(vocabularySize: 20, maxPositions: 8, dim: 8, layers: 2, heads: 2)
    config.initStd = 0.3
    return GPT(config, generator: Generator(seed: seed))
}

/// A fixed batch for ``strategyTestClassifier(seed:dtype:)``.
var strategyIds: Tensor { tokenIds([[1, 5, 6, 2, 0], [1, 7, 2, 0, 0], [1, 9, 9, 9, 2]]) }
var strategyLabels: Tensor { Tensor([0, 2, 1] as [Int32]) }

/// Classification loss of `model` on the fixed batch.
func strategyLoss(_ model: SequenceClassifier) -> Tensor {
    Tensor.crossEntropy(logits: model(strategyIds, mask: strategyIds.notEqual(0)), targets: strategyLabels)
}

/// Logits of `model` on the fixed batch, without recording a graph.
func strategyLogits(_ model: SequenceClassifier) -> Tensor {
    withGradientsDisabled { model(strategyIds, mask: strategyIds.notEqual(0)) }
}


/// Trains `model` a few Adam steps and checks that exactly the parameters in `expected` (by
/// name) require grad, receive gradients and change, and that every other parameter stays
/// bit-identical.
func expectTrainsExactly(_ model: Module, _ expected: Set<String>, steps: Int = 3, rate: Double = 1e-2,
                         sourceLocation: SourceLocation = #_sourceLocation, loss: () -> Tensor) {
    let trainable = Set(model.namedParameters().filter { $0.tensor.requiresGrad }.map(\.name))
    #expect(trainable == expected, "trainable: extra \(trainable.subtracting(expected).sorted()), missing \(expected.subtracting(trainable).sorted())",
            sourceLocation: sourceLocation)
    let before = parameterBits(model)
    let adam = TestAdam(rate: rate)
    for step in 0..<steps {
        loss().backward()
        if step == 0 {
            let withGrad = Set(model.namedParameters().filter { $0.tensor.grad != nil }.map(\.name))
            #expect(withGrad == expected, "gradients: extra \(withGrad.subtracting(expected).sorted()), missing \(expected.subtracting(withGrad).sorted())",
                    sourceLocation: sourceLocation)
        }
        adam.update(model.trainableParameters())
    }
    let after = parameterBits(model)
    for (name, bits) in before {
        if expected.contains(name) {
            #expect(after[name] != bits, "\(name) did not change", sourceLocation: sourceLocation)
        } else {
            #expect(after[name] == bits, "frozen \(name) changed", sourceLocation: sourceLocation)
        }
    }
}

/// Names of `model`'s parameters matching `predicate`.
func parameterNames(_ model: Module, where predicate: (String) -> Bool) -> Set<String> {
    Set(model.namedParameters().map(\.name).filter(predicate))
}
