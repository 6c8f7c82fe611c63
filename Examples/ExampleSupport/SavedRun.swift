import Foundation
import FineTuning
import TensorKit

/// `run.json` in a run's output folder: what `predict` needs to rebuild the trained classifier —
/// the base model, the strategy and its settings, the artifact, the label names and the
/// tokenization length.
public struct SavedRun: Codable, Sendable {
    /// The file name inside the output folder.
    public static let fileName = "run.json"

    /// The settings the run trained with (base model folder, strategy options, max length).
    public var settings: RunSettings
    /// The strategy.
    public var strategy: StrategyKind
    /// Class names by index.
    public var classNames: [String]
    /// The artifact's name inside the folder (`adapter`, `model.safetensors`, `trainable.safetensors`).
    public var artifact: String
    /// How the head pools the encoder's output (always mean, as sentence-transformers pools MiniLM).
    public var pooling = "mean"

    /// A manifest of a finished run.
    public init(settings: RunSettings, strategy: StrategyKind, classNames: [String], artifact: String) {
        self.settings = settings
        self.strategy = strategy
        self.classNames = classNames
        self.artifact = artifact
    }

    /// Writes `run.json` into `folder`.
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads `run.json` from a run's output folder.
    ///
    /// - Throws: ``ExampleError/missingFile(path:)`` when the folder has none (not a finished
    ///   run), ``ExampleError/invalidConfig(file:line:reason:)`` when it cannot be read.
    public static func read(from folder: URL) throws -> SavedRun {
        let url = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else { throw ExampleError.missingFile(path: url.path) }
        let run: SavedRun
        do {
            run = try JSONDecoder().decode(SavedRun.self, from: data)
        } catch {
            throw ExampleError.invalidConfig(file: url.path, line: nil, reason: "not a run manifest written by finetune (\(error))")
        }
        guard run.classNames.count >= 2, Set(run.classNames).count == run.classNames.count else {
            throw ExampleError.invalidConfig(file: url.path, line: nil, reason: "classNames must be at least two distinct names")
        }
        return run
    }

    /// The trained classifier, rebuilt on the base model (`modelDirectory` overrides the one
    /// recorded) with the artifact of `folder` loaded, in evaluation mode, and its tokenizer.
    public func loadClassifier(from folder: URL, modelDirectory: String? = nil) throws
        -> (model: SequenceClassifier, tokenizer: any Tokenizer) {
        var settings = self.settings
        if let modelDirectory { settings.modelDirectory = modelDirectory }
        let (model, tokenizer, _) = try FineTuneRun.loadClassifier(
            modelDirectory: settings.modelDirectory, classes: classNames.count, seed: settings.seed)
        try ArtifactWriter.load(folder.appendingPathComponent(artifact), strategy: strategy, into: model)
        return (model, tokenizer)
    }
}
