import Foundation
import Testing
@testable import TensorKit

/// A two-layer MLP built from core ops only (matmul, +, tanh, mean) learns a non-linear function.
@Suite struct MLPLearningTests {
    @Test func mlpLearnsANonLinearFunction() {
        let rng = Generator(seed: 11)
        let x = Tensor.uniform([256, 2], low: -1, high: 1, generator: rng)
        // Target: y = sin(3·x0) · x1, which no linear model can fit.
        let y = (x.select(axis: 1, index: 0) * 3).sin() * x.select(axis: 1, index: 1)
        let target = y.unsqueezed(axis: 1)

        let w1 = (Tensor.normal([2, 32], generator: rng) * 0.7).requiringGrad()
        let b1 = Tensor.zeros([32]).requiringGrad()
        let w2 = (Tensor.normal([32, 1], generator: rng) * 0.2).requiringGrad()
        let b2 = Tensor.zeros([1]).requiringGrad()
        let parameters = [w1, b1, w2, b2]

        func loss() -> Tensor {
            let prediction = (x.matmul(w1) + b1).tanh().matmul(w2) + b2
            let error = prediction - target
            return (error * error).mean()
        }

        let initial = loss().item()
        // Plain Adam written inline, so this test depends on nothing but the core.
        var m = parameters.map { $0.zerosLike() }, v = parameters.map { $0.zerosLike() }
        let lr = 0.02, beta1 = 0.9, beta2 = 0.999
        for step in 1...400 {
            parameters.forEach { $0.zeroGrad() }
            loss().backward()
            withGradientsDisabled {
                for (i, p) in parameters.enumerated() {
                    let g = p.grad!
                    m[i] = m[i] * beta1 + g * (1 - beta1)
                    v[i] = v[i] * beta2 + g * g * (1 - beta2)
                    let mHat = m[i] / (1 - pow(beta1, Double(step)))
                    let vHat = v[i] / (1 - pow(beta2, Double(step)))
                    p.assign(p - mHat * lr / (vHat.sqrt() + 1e-8))
                }
            }
        }
        let final = loss().item()
        let variance = target.variance(axes: nil, correction: 0).item()
        #expect(final < 0.05 * variance, "loss \(initial) → \(final); target variance \(variance)")
    }
}
