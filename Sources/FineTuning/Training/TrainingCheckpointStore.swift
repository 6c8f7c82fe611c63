import Foundation
import TensorKit

/// The scalar half of a checkpoint (`trainer_state.json`).
struct TrainingCheckpointInfo: Codable {
    var format = 1
    var state: TrainerState
    var schedulerStep: Int
    /// Each generator's four state words, as hex (JSON numbers lose bits above 2^53).
    var generators: [[String]]
    var optimizer: OptimizerStateScalars
    var parameterNames: [String]
    var seed: String
    /// The data layout the position refers to (nil in checkpoints that predate the field).
    var batchSize: Int?
    var accumulation: Int?
    var shuffle: Bool?
}

/// A checkpoint read back from disk.
struct LoadedTrainingCheckpoint {
    var url: URL
    var parameters: [String: Tensor]
    var optimizer: OptimizerStateDict
    var info: TrainingCheckpointInfo
}

/// Training checkpoints — the state a run resumes from, not TensorKit's activation
/// checkpointing (`checkpoint(_:_:)`, which recomputes activations in the backward pass):
/// folders `checkpoint-<step>/` holding `model.safetensors` (the chosen parameters),
/// `optimizer.safetensors` (optimizer buffers) and `trainer_state.json` (counters, history,
/// scheduler step, RNG state, data position, optimizer scalars).
///
/// A folder is written under a temporary name and renamed into place, so a crash mid-write
/// leaves no `checkpoint-*` folder that looks complete.
public struct TrainingCheckpointStore: Sendable {
    /// The folder holding the checkpoints.
    public let directory: URL

    /// The checkpoints in `directory` (`<output>/checkpoints` for a trainer).
    public init(directory: URL) { self.directory = directory }

    /// The folder of the checkpoint of step `step`.
    public func url(step: Int) -> URL { directory.appendingPathComponent("checkpoint-\(step)", isDirectory: true) }

    /// Checkpoints on disk, by step, oldest first.
    public func checkpoints() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            let url = directory.appendingPathComponent(name, isDirectory: true)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer_state.json").path) else { return nil }
            return (step, url)
        }.sorted { $0.0 < $1.0 }.map { (step: $0.0, url: $0.1) }
    }

    /// The newest checkpoint, if any.
    public func latest() -> URL? { checkpoints().last?.url }

    /// Removes all but the newest `keep` checkpoints.
    public func prune(keepLast keep: Int) {
        let all = checkpoints()
        for old in all.dropLast(Swift.max(0, keep)) { try? FileManager.default.removeItem(at: old.url) }
    }

    /// Writes a complete checkpoint folder at `destination` (replacing one already there).
    static func write(to destination: URL, parameters: [String: Tensor], optimizer: OptimizerStateDict,
                      info: TrainingCheckpointInfo, durable: Bool) throws {
        let manager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let temporary = parent.appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).tmp", isDirectory: true)
        try? manager.removeItem(at: temporary)
        try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
        do {
            try SafeTensors.save(parameters, metadata: ["format": "pt"], to: temporary.appendingPathComponent("model.safetensors"),
                                 durable: durable)
            try SafeTensors.save(optimizer.tensors, to: temporary.appendingPathComponent("optimizer.safetensors"), durable: durable)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(Array(try encoder.encode(info)), to: temporary.appendingPathComponent("trainer_state.json"),
                                 durable: durable)
            if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
            try manager.moveItem(at: temporary, to: destination)
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
    }

    /// Reads a checkpoint folder.
    static func read(_ url: URL) throws -> LoadedTrainingCheckpoint {
        do {
            let data = try Data(contentsOf: url.appendingPathComponent("trainer_state.json"))
            let info = try JSONDecoder().decode(TrainingCheckpointInfo.self, from: data)
            let parameters = try SafeTensors.load(contentsOf: url.appendingPathComponent("model.safetensors"))
            let optimizerTensors = try SafeTensors.load(contentsOf: url.appendingPathComponent("optimizer.safetensors"))
            return LoadedTrainingCheckpoint(url: url, parameters: parameters,
                                    optimizer: OptimizerStateDict(tensors: optimizerTensors, scalars: info.optimizer), info: info)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidCheckpoint(url, "\(error)")
        }
    }

    static func hex(_ words: [UInt64]) -> [String] { words.map { String($0, radix: 16) } }

    static func words(_ hex: [String], url: URL) throws -> [UInt64] {
        let words = hex.compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, hex.count == 4 else { throw TrainingError.invalidCheckpoint(url, "bad generator state") }
        return words
    }
}

/// The former name of ``TrainingCheckpointStore``.
@available(*, deprecated, renamed: "TrainingCheckpointStore")
public typealias CheckpointStore = TrainingCheckpointStore
