import Foundation
import FineTuning
import TensorKit

/// `minilm_embed_real`: sentence embeddings of real, variable-length text, as a user of
/// sentence-transformers computes them (`SentenceTransformer(dir).encode(texts, batch_size=32)`,
/// the peer in torch_bench.py): the first ``count`` movie-review snippets of
/// `movie-reviews.tsv` (found beside the model folder, i.e. `data/`), tokenized, sorted by length,
/// batched by 32 and padded per batch, mean-pooled and L2-normalised (``SentenceEmbedder``).
/// One step embeds all of them, tokenization included; the "loss" is the mean of every
/// embedding value (a checksum comparable across sides).
public final class MiniLMEmbedRealWorkload: TrainingWorkload {
    /// Snippets per step (8 batches of 32).
    public static let count = 256
    /// Sentence-transformers' batch size for `encode`.
    public static let batchSize = 32
    /// all-MiniLM-L6-v2's `max_seq_length` (sentence_bert_config.json).
    public static let maxLength = 256

    public let name: String
    public let embedder: SentenceEmbedder
    public let texts: [String]

    /// Loads the model from `directory` and the snippets from `movie-reviews.tsv` beside it.
    ///
    /// - Throws: ``PretrainedError`` for an unloadable model; a `CocoaError` when the snippets
    ///   file cannot be read; ``WorkloadError/modelUnreadable(_:reason:)`` when it has too few rows.
    public init(name: String, directory: String) throws {
        self.name = name
        embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: directory), maxLength: Self.maxLength,
                                        batchSize: Self.batchSize)
        let file = Self.snippetsFile(modelDirectory: directory)
        texts = try Self.snippets(from: file)
        guard texts.count == Self.count else {
            throw WorkloadError.modelUnreadable(name, reason: "\(file.path) has \(texts.count) snippets, needs \(Self.count)")
        }
    }

    /// `movie-reviews.tsv` in the folder that holds the model folder.
    public static func snippetsFile(modelDirectory: String) -> URL {
        URL(fileURLWithPath: modelDirectory).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("movie-reviews.tsv")
    }

    /// The text column (third, tab-separated) of the first ``count`` rows after the header.
    static func snippets(from file: URL) throws -> [String] {
        // The file has CRLF line ends: "\r\n" is one Character, which isNewline matches.
        let lines = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline)
        return lines.dropFirst().prefix(count).compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            return fields.count == 3 ? String(fields[2]) : nil
        }
    }

    public var rootModule: Module { embedder.encoder }

    public var parameterCounts: (trainable: Int, total: Int) { embedder.encoder.parameterCounts() }

    public var sequencesPerStep: Int? { Self.count }

    public func step() -> Double {
        let vectors = embedder.embed(texts)
        let total = vectors.reduce(0.0) { sum, row in row.reduce(sum) { $0 + Double($1) } }
        return total / Double(vectors.count * (vectors.first?.count ?? 1))
    }

    public func profiledStep() -> StepPhases {
        var phases = StepPhases()
        phases.forwardMs = Measurement.seconds { phases.loss = step() } * 1e3
        phases.rssAfterForward = Measurement.residentMiB() ?? .nan
        phases.rssAfterBackward = phases.rssAfterForward
        phases.rssAfterOptimizer = phases.rssAfterForward
        return phases
    }
}
