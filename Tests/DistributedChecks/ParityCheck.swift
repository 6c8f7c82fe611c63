import Distributed
import FineTuning
import Foundation

/// The property that makes data parallelism correct: N processes × batch B for 5 AdamW steps
/// (paused after 3 and resumed from process 0's checkpoint) end with the same parameters and
/// step losses as one process × batch N·B, in float64 to 1e-12, through the Trainer. Also: every
/// process ends with the same parameters, only process 0 writes files, and a checkpoint refuses
/// to resume under another number of processes.
func checkDataParallelParity(_ world: Communicator) throws {
    let perProcessBatch = 3, steps = 5
    let sequences = parityData()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("distributed-parity-\(ProcessInfo.processInfo.processIdentifier)")
    let ownOutput = folder.appendingPathComponent("process-\(world.rank)")
    // Every process learns where process 0 writes, to resume from its checkpoint.
    let firstOutput = URL(fileURLWithPath: try world.broadcast(ownOutput.path))

    // Each process starts from other weights: the trainer must copy process 0's.
    func makeTrainer(seed: UInt64, batchSize: Int, output: URL?) -> (GPT, Trainer<[Int64]>) {
        let model = parityModel(seed: seed)
        var configuration = TrainerConfiguration(maxSteps: steps, batchSize: batchSize)
        configuration.seed = 7
        configuration.warmupSteps = 1
        configuration.decay = .linear
        configuration.progress = .silent
        configuration.outputDirectory = output
        configuration.durableCheckpoints = false
        let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 2e-2, weightDecay: 0.1)
        let trainer = Trainer(model: model, optimizer: optimizer, trainData: ArrayDataset(sequences), collate: collateSequences,
                              configuration: configuration, loss: LanguageModelingLoss(model).output(for:))
        return (model, trainer)
    }

    let (_, paused) = makeTrainer(seed: 100 + UInt64(world.rank), batchSize: perProcessBatch, output: ownOutput)
    let group = DataParallel(world)
    group.bucketByteCount = 4096   // several buckets for this small model
    paused.dataParallel = group
    let firstPart = try paused.train(pausingAfter: 3)
    try world.barrier()   // process 0's checkpoint is on disk
    let (model, resumed) = makeTrainer(seed: 200 + UInt64(world.rank), batchSize: perProcessBatch, output: ownOutput)
    resumed.dataParallel = group
    let secondPart = try resumed.train(resumingFrom: firstOutput.appendingPathComponent("checkpoints/checkpoint-3"))
    let losses = firstPart.stepLosses + secondPart.stepLosses
    let parameters = model.namedParameters().flatMap { $0.tensor.scalars(as: Double.self) }

    // Every process holds process 0's parameters.
    let first = try world.broadcast(parameters)
    try require(maxDifference(parameters, first) == 0, "process \(world.rank)'s parameters differ from process 0's")
    let written = (try? FileManager.default.contentsOfDirectory(atPath: ownOutput.path)) ?? []
    if world.rank == 0 {
        try require(written.contains("metrics.jsonl") && written.contains("checkpoints"), "process 0 wrote \(written)")
        let (referenceModel, reference) = makeTrainer(seed: 100, batchSize: perProcessBatch * world.size, output: nil)
        let alone = try reference.train()
        let referenceParameters = referenceModel.namedParameters().flatMap { $0.tensor.scalars(as: Double.self) }
        let parameterGap = maxDifference(parameters, referenceParameters), lossGap = maxDifference(losses, alone.stepLosses)
        try require(parameterGap <= 1e-12 && lossGap <= 1e-12,
                    "\(world.size) × batch \(perProcessBatch) vs 1 × batch \(perProcessBatch * world.size): parameters differ by \(parameterGap), losses by \(lossGap)")
        // A checkpoint of N processes does not resume under one.
        do {
            _ = try makeTrainer(seed: 1, batchSize: perProcessBatch, output: nil).1
                .train(resumingFrom: firstOutput.appendingPathComponent("checkpoints/checkpoint-3"))
            throw CheckFailure("a checkpoint of \(world.size) processes resumed under one")
        } catch TrainingError.invalidCheckpoint(_, let reason) {
            try require(reason.contains("processes \(world.size) → 1"), "resume refusal: \(reason)")
        }
        print("parity: max parameter difference \(parameterGap), max loss difference \(lossGap)")
    } else {
        try require(written.isEmpty, "process \(world.rank) wrote \(written)")
    }
    try world.barrier()
    if world.rank == 0 { try? FileManager.default.removeItem(at: folder) }
    print("parity: ok (process \(world.rank) of \(world.size))")
}

/// A one-block float64 GPT small enough to train in milliseconds.
private func parityModel(seed: UInt64) -> GPT {
    var config = GPTConfig(vocabularySize: 13, maxPositions: 8, dim: 8, layers: 1, heads: 2)
    config.dtype = .float64
    return GPT(config, generator: Generator(seed: seed))
}

/// 40 token sequences of length 7, the same on every process.
private func parityData() -> [[Int64]] {
    let generator = Generator(seed: 3)
    return (0..<40).map { _ in (0..<7).map { _ in Int64(generator.nextInt(below: 13)) } }
}

/// Inputs are each sequence's first 6 tokens, labels its last 6 (next-token prediction).
private func collateSequences(_ sequences: [[Int64]]) -> Batch {
    let inputs = sequences.flatMap { $0.dropLast() }, labels = sequences.flatMap { $0.dropFirst() }
    return Batch(inputIDs: Tensor(inputs, shape: [sequences.count, 6]), labels: Tensor(labels, shape: [sequences.count, 6]))
}
