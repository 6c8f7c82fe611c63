// TensorKit kernels at the shapes the GPT benchmark model uses (batch 16 × seq 128 = 2048 rows,
// d_model 256, 4 heads of 64, MLP 1024, vocabulary 256), plus square matmuls.
//
//     swift package --package-path Benchmarks benchmark --target KernelBenchmarks
import Benchmark
import TensorKit

/// Few iterations: these guard against regressions and show where time goes; the race against
/// PyTorch (peers/race.py) is the head-to-head measurement.
private func configuration(_ iterations: Int = 20) -> Benchmark.Configuration {
    .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
          warmupIterations: 2, maxDuration: .seconds(2), maxIterations: iterations)
}

private func random(_ shape: [Int], seed: UInt64) -> Tensor {
    Tensor.uniform(shape, low: -1, high: 1, generator: Generator(seed: seed))
}

let benchmarks: @Sendable () -> Void = {
    let rows = 16 * 128

    // MARK: Matmul (BLAS sgemm through TensorKit)
    for size in [64, 256, 1024] {
        Benchmark("matmul [\(size), \(size)]·[\(size), \(size)]", configuration: configuration(size == 1024 ? 10 : 50)) { benchmark in
            let (a, b) = (random([size, size], seed: 1), random([size, size], seed: 2))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(a.matmul(b)) }
        }
    }
    // Linear-layer shapes: the weight is [out, in] and read transposed, as Linear does.
    for out in [768, 1024] {
        Benchmark("matmul [\(rows), 256]·[\(out), 256]ᵀ", configuration: configuration()) { benchmark in
            let (x, w) = (random([rows, 256], seed: 1), random([out, 256], seed: 2))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(x.matmul(w.transposed())) }
        }
    }

    // MARK: Fused row kernels
    Benchmark("softmax [16, 4, 128, 128]", configuration: configuration()) { benchmark in
        let scores = random([16, 4, 128, 128], seed: 3)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(scores.softmax(axis: -1)) }
    }
    Benchmark("layerNorm [\(rows), 256]", configuration: configuration()) { benchmark in
        let x = random([rows, 256], seed: 4)
        let (weight, bias) = (Tensor.ones([256]), Tensor.zeros([256]))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(Tensor.layerNorm(x, weight: weight, bias: bias)) }
    }
    Benchmark("gelu [\(rows), 1024]", configuration: configuration()) { benchmark in
        let x = random([rows, 1024], seed: 5)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(x.gelu()) }
    }
    Benchmark("crossEntropy fwd+bwd [\(rows), 256]", configuration: configuration()) { benchmark in
        let logits = random([rows, 256], seed: 6).requiringGrad()
        let generator = Generator(seed: 7)
        let targets = Tensor((0..<rows).map { _ in Int32(generator.nextInt(below: 256)) }, shape: [rows])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let loss = Tensor.crossEntropy(logits: logits, targets: targets)
            loss.backward()
            blackHole(logits.grad)
            logits.grad = nil
        }
    }

    // MARK: Attention
    Benchmark("attention fwd [16, 4, 128, 64] causal", configuration: configuration()) { benchmark in
        let (q, k, v) = (random([16, 4, 128, 64], seed: 8), random([16, 4, 128, 64], seed: 9),
                         random([16, 4, 128, 64], seed: 10))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(withGradientsDisabled { Tensor.scaledDotProductAttention(q, k, v, causal: true) })
        }
    }
    Benchmark("attention fwd+bwd [16, 4, 128, 64] causal", configuration: configuration()) { benchmark in
        let (q, k, v) = (random([16, 4, 128, 64], seed: 8).requiringGrad(), random([16, 4, 128, 64], seed: 9).requiringGrad(),
                         random([16, 4, 128, 64], seed: 10).requiringGrad())
        let seed = random([16, 4, 128, 64], seed: 11)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            Tensor.scaledDotProductAttention(q, k, v, causal: true).backward(seed)
            blackHole(q.grad)
            for t in [q, k, v] { t.grad = nil }
        }
    }
}
