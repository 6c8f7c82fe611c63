import Distributed
import FineTuning
import Foundation

/// Times data-parallel training steps of `gpt_lora`'s shapes (the Benchmarks package's GPT:
/// 4 blocks, width 256, 4 heads, MLP 1024, sequence 128; LoRA rank 8 on query and value) or
/// `gpt_full` (every weight trains), with a global batch of 16 sequences split over the
/// processes: forward and backward, the gradient all-reduce, and the AdamW update.
///
///     DistributedChecks step-time gpt_lora|gpt_full STEPS THREADS
///
/// Process 0 prints one line: the median step, the median wait for the slower process (a
/// barrier after the backward pass: load imbalance, not communication), and the median
/// all-reduce after it (communication and the averaging), each the slowest process's.
func measureStepTime(_ world: Communicator, arguments: [String]) throws {
    guard arguments.count == 3, ["gpt_lora", "gpt_full"].contains(arguments[0]),
          let steps = Int(arguments[1]), steps > 0, let threads = Int(arguments[2]), threads > 0 else {
        throw CheckFailure("usage: DistributedChecks step-time gpt_lora|gpt_full STEPS THREADS")
    }
    Threads.kernelThreads = threads
    Threads.setBLASThreads(threads)
    let globalBatch = 16, sequence = 128
    try require(globalBatch % world.size == 0, "the global batch \(globalBatch) does not split over \(world.size) processes")
    var config = GPTConfig(vocabularySize: 256, maxPositions: sequence, dim: 256, layers: 4, heads: 4, hidden: 1024)
    config.positions = .learned
    config.norm = .layerNorm
    config.feedForward = .mlp(.gelu)
    config.bias = true
    config.tiedHead = false
    config.dropout = 0
    let model = GPT(config, generator: Generator(seed: 0))
    if arguments[0] == "gpt_lora" {
        try LoRA(LoRAConfig(rank: 8, alpha: 16, dropout: 0, targetModules: ["query", "value"]), generator: Generator(seed: 2)).apply(to: model)
    }
    let parameters = model.trainableParameters()
    let optimizer = AdamW(parameters: parameters, learningRate: 1e-3, weightDecay: 0.01)
    let group = DataParallel(world)
    try group.broadcastParameters(model.namedParameters().filter { $0.tensor.requiresGrad })
    // This process's rows of one fixed global batch.
    let generator = Generator(seed: 1)
    let all = (0..<(globalBatch * (sequence + 1))).map { _ in Int32(generator.nextInt(below: 256)) }
    let rows = globalBatch / world.size, first = world.rank * rows * (sequence + 1)
    let tokens = Tensor(Array(all[first..<(first + rows * (sequence + 1))]), shape: [rows, sequence + 1])
    let inputs = tokens.slice(axis: 1, 0..<sequence).contiguous(), targets = tokens.slice(axis: 1, 1..<(sequence + 1)).contiguous()

    var stepTimes: [Double] = [], waitTimes: [Double] = [], reduceTimes: [Double] = []
    for step in 0..<(steps + 2) {
        try world.barrier()
        let start = Date()
        model.loss(inputs, targets: targets).backward()
        let waitStart = Date()
        try world.barrier()
        let reduceStart = Date()
        try group.averageGradients(parameters)
        let reduceEnd = Date()
        optimizer.step()
        optimizer.zeroGrad()
        if step >= 2 {   // two warm-up steps
            stepTimes.append(Date().timeIntervalSince(start))
            waitTimes.append(reduceStart.timeIntervalSince(waitStart))
            reduceTimes.append(reduceEnd.timeIntervalSince(reduceStart))
        }
    }
    let slowest = try world.allReduce([median(stepTimes), median(waitTimes), median(reduceTimes)], .max)
    if world.rank == 0 {
        let trainable = parameters.reduce(0) { $0 + $1.count }
        print(String(format: "step-time %@: %d process(es) × %d thread(s), batch %d each: step %.1f ms, wait %.1f ms, all-reduce %.2f ms (%.1f%%), %d trainable float32 (%.2f MB per all-reduce)",
                     arguments[0], world.size, threads, rows, slowest[0] * 1000, slowest[1] * 1000, slowest[2] * 1000,
                     100 * slowest[2] / slowest[0], trainable, Double(trainable * 4) / 1e6))
    }
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
