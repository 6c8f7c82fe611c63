import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
    var groupByLength: Bool?
    /// The processes of the data-parallel run (nil: one, or a checkpoint that predates the field).
    var processes: Int?
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

    /// Removes all but the newest `keep` checkpoints. Each is first renamed to a hidden
    /// temporary name and then deleted, so a kill mid-delete never leaves a half-deleted
    /// `checkpoint-N` that looks like a good one; such leftovers (and those of a killed save)
    /// are removed here once their process is gone.
    public func prune(keepLast keep: Int) {
        removeStaleTemporaries()
        for old in checkpoints().dropLast(Swift.max(0, keep)) {
            let doomed = directory.appendingPathComponent(AtomicFolder.temporaryName(for: old.url), isDirectory: true)
            guard rename(old.url.path, doomed.path) == 0 else { continue }
            try? FileManager.default.removeItem(at: doomed)
        }
    }

    /// Removes `.checkpoint-N.<pid>.*.tmp` left by processes that no longer run.
    func removeStaleTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let steps = Set(names.compactMap { name -> Int? in
            guard name.hasPrefix(".checkpoint-"), name.hasSuffix(".tmp") else { return nil }
            return Int(name.dropFirst(".checkpoint-".count).prefix { $0 != "." })
        })
        for step in steps { AtomicFolder.removeStaleTemporaries(beside: url(step: step)) }
    }

    /// Writes a complete checkpoint folder at `destination`, replacing one already there as one
    /// unit (`AtomicFolder`): a reader sees the old checkpoint or the new one, never a mix.
    ///
    /// - Throws: ``TrainingError/cannotWrite(path:reason:)`` for a file-system failure.
    static func write(to destination: URL, parameters: [String: Tensor], optimizer: OptimizerStateDict,
                      info: TrainingCheckpointInfo, durable: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let state = try encoder.encode(info)
        do {
            try AtomicFolder.write(to: destination, durable: durable) { folder in
                try SafeTensors.save(parameters, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"),
                                     durable: false)
                try SafeTensors.save(optimizer.tensors, to: folder.appendingPathComponent("optimizer.safetensors"), durable: false)
                try AtomicFile.write(Array(state), to: folder.appendingPathComponent("trainer_state.json"), durable: false)
            }
        } catch {
            throw TrainingError.cannotWrite(path: destination.path, reason: "\(error)")
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
