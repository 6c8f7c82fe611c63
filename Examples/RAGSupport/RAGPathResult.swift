import Foundation

/// What one path measured: one row of `comparison.json`.
public struct RAGPathResult: Codable, Sendable {
    /// Which path.
    public var path: RAGPath
    /// Known facts, seen phrasings: correct / asked.
    public var accuracySeen: Double
    /// Known facts, the phrasing never trained on.
    public var accuracyUnseenPhrasing: Double
    /// Changed facts after the path took the update in (retrained, or re-embedded).
    public var accuracyAfterUpdate: Double
    /// Changed facts before the fine-tuned model was retrained (nil for the other paths).
    public var accuracyAfterUpdateStale: Double?
    /// Known facts, seen phrasings, after retraining on the update (nil unless retrained): what
    /// retraining kept of the rest.
    public var accuracySeenAfterUpdate: Double?
    /// Unknown cities: answers that say "I don't know".
    public var unknownAbstainRate: Double
    /// Unknown cities: answers that name a value anyway.
    public var unknownHallucinationRate: Double
    /// One question answered alone, median, in ms.
    public var latencyMsMedian: Double
    /// The 95th percentile of the same.
    public var latencyMsP95: Double
    /// `VmHWM` of the process that served this path (loading, indexing, answering).
    public var peakRSSBytes: Int
    /// Seconds to take the update in: retraining (fine-tuned), re-embedding the changed
    /// passages (RAG paths); nil for the closed book, which cannot take it in.
    public var updateSeconds: Double?
    /// Seconds to build the path: training (fine-tuned), embedding every passage (RAG).
    public var buildSeconds: Double
    /// What the path keeps on disk: the model file, plus the adapter, the embedder and the index.
    public var diskBytes: Int
    /// The same, item by item.
    public var disk: [String: Int]
    /// Questions per test set: seen, unseen phrasing, unknown, update.
    public var questionCounts: [String: Int]
    /// A few answers of each test set, for reading.
    public var examples: [String: [CityAnswerer.Answer]]

    enum CodingKeys: String, CodingKey {
        case path
        case accuracySeen = "accuracy_seen"
        case accuracyUnseenPhrasing = "accuracy_unseen_phrasing"
        case accuracyAfterUpdate = "accuracy_after_update"
        case accuracyAfterUpdateStale = "accuracy_after_update_stale"
        case accuracySeenAfterUpdate = "accuracy_seen_after_update"
        case unknownAbstainRate = "unknown_abstain_rate"
        case unknownHallucinationRate = "unknown_hallucination_rate"
        case latencyMsMedian = "latency_ms_median"
        case latencyMsP95 = "latency_ms_p95"
        case peakRSSBytes = "peak_rss_bytes"
        case updateSeconds = "update_seconds"
        case buildSeconds = "build_seconds"
        case diskBytes = "disk_bytes"
        case disk
        case questionCounts = "question_counts"
        case examples
    }

    /// The JSON coder of results and reports (sorted keys, readable).
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// What the training process measured (read by the fine-tuned paths).
public struct FactTrainingResult: Codable, Sendable {
    /// Seconds of the first training.
    public var trainSeconds: Double
    /// Seconds of retraining on the update.
    public var retrainSeconds: Double
    /// `VmHWM` of the training process.
    public var peakRSSBytes: Int
    /// Training records, then retraining records.
    public var records: Int
    /// Records of the retraining.
    public var retrainRecords: Int

    enum CodingKeys: String, CodingKey {
        case trainSeconds = "train_seconds"
        case retrainSeconds = "retrain_seconds"
        case peakRSSBytes = "peak_rss_bytes"
        case records
        case retrainRecords = "retrain_records"
    }
}

/// The median and the 95th percentile (nearest rank) of `values`; 0 for none.
public func medianAndP95(_ values: [Double]) -> (median: Double, p95: Double) {
    guard !values.isEmpty else { return (0, 0) }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    let rank = Int((0.95 * Double(sorted.count)).rounded(.up)) - 1
    return (median, sorted[min(max(rank, 0), sorted.count - 1)])
}
