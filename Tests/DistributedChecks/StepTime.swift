import Distributed
import FineTuning
import Foundation

/// Times data-parallel training steps of a ``StepTimeWorkload`` (`gpt_lora`, `gpt_full`,
/// `minilm_lora_step`, `smollm2_lora_step`: the Benchmarks package's shapes) with its global batch
/// split over the processes: forward and backward, the gradient all-reduce, and the AdamW update.
///
///     DistributedChecks step-time WORKLOAD STEPS THREADS [MODEL]
///
/// Process 0 prints one line: the median step, the median wait for the slower process (a
/// barrier after the backward pass: load imbalance, not communication), and the median
/// all-reduce after it (communication and the averaging), each the slowest process's.
func measureStepTime(_ world: Communicator, arguments: [String]) throws {
    let usage = "usage: DistributedChecks step-time \(StepTimeWorkload.names.joined(separator: "|")) STEPS THREADS [MODEL]"
    guard (3...4).contains(arguments.count), let steps = Int(arguments[1]), steps > 0,
          let threads = Int(arguments[2]), threads > 0 else {
        throw CheckFailure(usage)
    }
    Threads.kernelThreads = threads
    Threads.setBLASThreads(threads)
    let workload = try StepTimeWorkload.make(arguments[0], rank: world.rank, size: world.size,
                                             model: arguments.count == 4 ? arguments[3] : nil)
    let parameters = workload.parameters, rows = workload.rows
    let optimizer = AdamW(parameters: parameters, learningRate: 1e-3, weightDecay: 0.01)
    let group = DataParallel(world)
    try group.broadcastParameters(workload.named)

    var stepTimes: [Double] = [], waitTimes: [Double] = [], reduceTimes: [Double] = []
    for step in 0..<(steps + 2) {
        try world.barrier()
        let start = Date()
        workload.loss().backward()
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
