import Foundation
import TensorKit

// `make demo`: TensorKit end to end on generated data.
//
// A two-hidden-layer MLP learns y = sin(3·x₀)·x₁ + ½·x₀² from noisy samples with autograd,
// AdamW, a warmup + cosine learning-rate schedule and gradient clipping. Its held-out error is
// compared with the best linear fit, solved exactly with LAPACK, to show what the network learned
// beyond a straight line.

// No options: `--help` says what the program does; anything else is refused.
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "help" }) {
    print("""
        OVERVIEW: TensorKit end to end: an MLP learns y = sin(3·x₀)·x₁ + ½·x₀² with autograd, AdamW,
        warmup + cosine and gradient clipping, and is compared with the exact least-squares line (LAPACK).

        USAGE: demo

        It takes no options and runs in a few seconds. The fine-tuning programs (finetune, predict,
        compare-strategies, ...) take --help too; see Documentation/Examples.md.
        """)
    exit(0)
}
if let unknown = arguments.first {
    FileHandle.standardError.write(Data("demo: unknown argument '\(unknown)' (it takes none; see demo --help)\n".utf8))
    exit(2)
}

let generator = Generator(seed: 42)

@MainActor func makeData(_ count: Int) -> (x: Tensor, y: Tensor) {
    let x = Tensor.uniform([count, 2], low: -1.5, high: 1.5, generator: generator)
    let x0 = x.select(axis: 1, index: 0), x1 = x.select(axis: 1, index: 1)
    let clean = (x0 * 3).sin() * x1 + x0 * x0 * 0.5
    let noise = Tensor.normal([count], std: 0.05, generator: generator)
    return (x, (clean + noise).unsqueezed(axis: 1))
}

let train = makeData(4096)
let test = makeData(1024)

// Baseline: least squares on [x, 1] through the normal equations (Linalg.solve uses LAPACK).
@MainActor func withBias(_ x: Tensor) -> Tensor { Tensor.concat([x, Tensor.ones([x.shape[0], 1])], axis: 1) }
let design = withBias(train.x)
let coefficients = try Linalg.solve(design.transposed().matmul(design), design.transposed().matmul(train.y))
let linearError = withBias(test.x).matmul(coefficients) - test.y
let linearMSE = (linearError * linearError).mean().item()

// The model: parameters are plain tensors that require grad.
@MainActor func layer(_ inputs: Int, _ outputs: Int) -> (weight: Tensor, bias: Tensor) {
    let bound = 1 / Double(inputs).squareRoot()
    return (Tensor.uniform([inputs, outputs], low: -bound, high: bound, generator: generator).requiringGrad(),
            Tensor.zeros([outputs]).requiringGrad())
}
let layers = [layer(2, 64), layer(64, 64), layer(64, 1)]
let parameters = layers.flatMap { [$0.weight, $0.bias] }

@MainActor func predict(_ x: Tensor) -> Tensor {
    var h = x
    for (i, l) in layers.enumerated() {
        h = h.matmul(l.weight) + l.bias
        if i < layers.count - 1 { h = h.gelu() }
    }
    return h
}

let steps = 1500, batchSize = 128
let optimizer = AdamW(parameters: parameters, learningRate: 1e-2, weightDecay: 1e-4)
let scheduler = LearningRateScheduler(.warmupCosine(warmupSteps: 100, totalSteps: steps), optimizer: optimizer)
let parameterCount = parameters.reduce(0) { $0 + $1.count }

print("TensorKit demo: an MLP (2 → 64 → 64 → 1, GELU) learns y = sin(3·x₀)·x₁ + ½·x₀²")
print("train 4096 / test 1024 samples, \(parameterCount) parameters, AdamW + warmup/cosine, batch \(batchSize)\n")
print("  step   train MSE   test MSE      lr")
let start = Date()
for step in 1...steps {
    let rows = Tensor((0..<batchSize).map { _ in Int64(generator.nextInt(below: 4096)) })
    let x = train.x.indexSelect(axis: 0, indices: rows)
    let y = train.y.indexSelect(axis: 0, indices: rows)
    let error = predict(x) - y
    let loss = (error * error).mean()
    optimizer.zeroGrad()
    loss.backward()
    clipGradientNorm(parameters, maxNorm: 1)
    optimizer.step()
    scheduler.step()
    if step == 1 || step % 250 == 0 {
        let testError = withGradientsDisabled { predict(test.x) - test.y }
        let testMSE = (testError * testError).mean().item()
        print(String(format: "%6d   %9.5f   %8.5f   %.5f", step, loss.item(), testMSE, optimizer.learningRates[0]))
    }
}
let elapsed = Date().timeIntervalSince(start)
let finalError = withGradientsDisabled { predict(test.x) - test.y }
let mlpMSE = (finalError * finalError).mean().item()
print("")
print(String(format: "best linear fit (LAPACK least squares): test MSE %.5f", linearMSE))
print(String(format: "MLP after %d steps:                     test MSE %.5f  (%.0f× lower)", steps, mlpMSE, linearMSE / mlpMSE))
print(String(format: "training took %.2f s (%.2f ms/step); the noise floor is 0.0025", elapsed, elapsed * 1000 / Double(steps)))
