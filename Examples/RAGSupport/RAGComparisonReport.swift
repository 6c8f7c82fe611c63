import ExampleSupport
import Foundation

/// The result of `compare-rag`: one row per path, as Markdown, JSON and an SVG bar chart.
public struct RAGComparisonReport: Codable, Sendable {
    /// One row per path, in the order run.
    public var rows: [RAGPathResult]
    /// The fine-tuning (nil when no fine-tuned path ran).
    public var training: FactTrainingResult?
    /// The full fine-tuning (nil when not run).
    public var fullTraining: FactTrainingResult?
    /// Exact flat index vs FAISS's approximate ones on city passages (nil when not run).
    public var indexes: IndexRecallReport?
    /// The sizes and seeds.
    public var settings: RAGRunSettings
    /// CPU, cores, OS.
    public var machine: String
    /// Seconds for the whole comparison.
    public var totalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case rows, training, indexes, settings, machine
        case fullTraining = "full_training"
        case totalSeconds = "total_seconds"
    }

    /// A report of `rows`.
    public init(rows: [RAGPathResult], training: FactTrainingResult?, fullTraining: FactTrainingResult? = nil,
                indexes: IndexRecallReport? = nil, settings: RAGRunSettings, machine: String, totalSeconds: Double) {
        self.rows = rows
        self.training = training
        self.fullTraining = fullTraining
        self.indexes = indexes
        self.settings = settings
        self.machine = machine
        self.totalSeconds = totalSeconds
    }

    /// The table alone.
    public func markdownTable() -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", 100 * $0) } ?? "—" }
        var out = "| Path | Seen phrasing | Unseen phrasing | After update | Unknown: abstains | Unknown: makes up | "
        out += "Latency median / p95 | Peak RSS | Update takes | On disk |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            var afterUpdate = percent(r.accuracyAfterUpdate)
            if let stale = r.accuracyAfterUpdateStale { afterUpdate = "\(percent(stale)) → \(afterUpdate)" }
            let update = r.updateSeconds.map { String(format: $0 < 10 ? "%.2f s" : "%.0f s", $0) } ?? "—"
            out += "| \(r.path.label) | \(percent(r.accuracySeen)) | \(percent(r.accuracyUnseenPhrasing)) | \(afterUpdate) | "
            out += "\(percent(r.unknownAbstainRate)) | \(percent(r.unknownHallucinationRate)) | "
            out += String(format: "%.0f / %.0f ms", r.latencyMsMedian, r.latencyMsP95)
            out += " | \(formatBytes(r.peakRSSBytes)) | \(update) | \(formatBytes(r.diskBytes)) |\n"
        }
        return out
    }

    /// A few answers of each path.
    public func examplesMarkdown() -> String {
        var out = ""
        for r in rows {
            out += "\n**\(r.path.label)**\n\n"
            for set in ["seen", "unseen_phrasing", "unknown", "update"] {
                for a in (r.examples[set] ?? []).prefix(2) {
                    let said = a.output.replacingOccurrences(of: "\n", with: " ")
                    out += "- (\(set)) \(a.question) → `\(said)` (expected `\(a.expected.isEmpty ? "I don't know" : a.expected)`, \(a.verdict.rawValue))\n"
                }
            }
        }
        return out
    }

    /// The whole Markdown document.
    public func markdown() -> String {
        let s = settings
        let counts = rows.first?.questionCounts ?? [:]
        var out = "# Fine-tuning or RAG? SmolLM2-135M-Instruct on US city facts\n\n"
        out += "Knowledge: \(s.knownCities) US places from GeoNames (`data/cities-us.csv`, seed \(s.seed)), four facts each "
        out += "(state, time zone, population band, elevation band). Questions: \(counts["seen"] ?? 0) on known facts in trained "
        out += "phrasings, \(counts["unseen_phrasing"] ?? 0) in a phrasing never trained on, \(counts["unknown"] ?? 0) about "
        out += "\(s.unknownCities) cities no path knows, \(counts["update"] ?? 0) about the \(s.changedFacts) facts the update changed. "
        out += "Greedy decoding; an answer is right when it names the expected value and no other.\n\n"
        if let t = training {
            out += String(format: "Fine-tuning: LoRA r16 α32 on every projection, %d records (%g pass(es), batch %d, learning rate %g), %.0f s; ",
                          t.records, s.epochs, s.batchSize, s.learningRate, t.trainSeconds)
            out += String(format: "%d of them teach \"I don't know\" on %d other cities. Retraining on the update: %d records "
                          + "(the changed facts in every trained phrasing plus half as many unchanged ones replayed), %g pass(es), %.0f s. "
                          + "Training peak RSS %@.\n\n",
                          s.abstainCities * CityFact.allCases.count, s.abstainCities, t.retrainRecords, s.retrainEpochs,
                          t.retrainSeconds, formatBytes(t.peakRSSBytes))
        }
        if let t = fullTraining {
            out += String(format: "Full fine-tuning: every weight, the same records and passes, learning rate %g: %.0f s, retraining %.0f s, "
                          + "training peak RSS %@.\n\n", s.fullLearningRate, t.trainSeconds, t.retrainSeconds, formatBytes(t.peakRSSBytes))
        }
        out += "RAG: one passage per known city, all-MiniLM-L6-v2 embeddings in the exact flat index, top \(s.topK) passages "
        out += "in the prompt with an instruction to answer from them or say \"I don't know\".\n\n"
        out += "Machine: \(machine). Whole comparison: \(String(format: "%.0f", totalSeconds)) s.\n\n"
        out += markdownTable()
        out += "\nAfter update: the fine-tuned rows show their accuracy before retraining (stale) → after. "
        for r in rows {
            guard let kept = r.accuracySeenAfterUpdate else { continue }
            out += String(format: "After retraining, %@ answers %.1f %% of the seen-phrasing questions right (%.1f %% before). ",
                          r.path.label, 100 * kept, 100 * r.accuracySeen)
        }
        out += "Update takes: retraining (fine-tuned) or re-embedding the changed passages (RAG). Latency: one question "
        out += "answered alone (retrieval included), over \(s.latencySamples) questions. Peak RSS: `VmHWM` of the process that served "
        out += "the path. On disk: the model file plus the adapter (or the fully trained weights), the embedder and the index the path needs.\n\n"
        if let indexes {
            out += "## Exact or approximate vector search\n\n"
            out += "\(indexes.passages) city passages and \(indexes.queries) questions about them (embedded in "
            out += String(format: "%.1f s); each index's top %d against the exact flat index's. ", indexes.embedSeconds, indexes.k)
            out += "Search: all questions in one batch, per question.\n\n" + indexes.markdownTable() + "\n"
        }
        out += "## Example answers\n"
        out += examplesMarkdown()
        return out
    }

    /// Grouped bars: per path, accuracy on seen, unseen phrasing, after update, and the
    /// abstain and made-up rates on unknown cities.
    public func chartSVG() -> String {
        let measures: [(String, String, (RAGPathResult) -> Double)] = [
            ("seen phrasing", "#1f77b4", { $0.accuracySeen }), ("unseen phrasing", "#aec7e8", { $0.accuracyUnseenPhrasing }),
            ("after update", "#2ca02c", { $0.accuracyAfterUpdate }), ("unknown: abstains", "#9467bd", { $0.unknownAbstainRate }),
            ("unknown: makes up", "#d62728", { $0.unknownHallucinationRate }),
        ]
        let width = 820.0, height = 420.0, left = 60.0, top = 50.0, bottom = 70.0, right = 20.0
        let plotHeight = height - top - bottom
        let groupWidth = (width - left - right) / Double(max(1, rows.count))
        let barWidth = groupWidth * 0.8 / Double(measures.count)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(Int(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">Fine-tuning or RAG: SmolLM2-135M on US city facts</text>\n"
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + plotHeight * (1 - Double(tick) / 100)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, width - right, y)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d %%</text>\n", left - 6, y + 4, tick)
        }
        for (g, row) in rows.enumerated() {
            let x0 = left + Double(g) * groupWidth + groupWidth * 0.1
            for (m, measure) in measures.enumerated() {
                let value = min(max(measure.2(row), 0), 1)
                let h = plotHeight * value
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@: %.1f %%</title></rect>\n",
                              x0 + Double(m) * barWidth, top + plotHeight - h, barWidth - 1, h, measure.1, measure.0, 100 * value)
            }
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n",
                          left + (Double(g) + 0.5) * groupWidth, top + plotHeight + 18, row.path.rawValue)
        }
        for (m, measure) in measures.enumerated() {
            let x = left + Double(m) * 150
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%@\"/>", x, height - 30, measure.1)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>\n", x + 16, height - 20, measure.0)
        }
        return svg + "</svg>\n"
    }

    /// Writes `comparison.md`, `comparison.json` and `comparison.svg` into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(markdown().utf8).write(to: folder.appendingPathComponent("comparison.md"), options: .atomic)
        try RAGPathResult.encoder.encode(self).write(to: folder.appendingPathComponent("comparison.json"), options: .atomic)
        try Data(chartSVG().utf8).write(to: folder.appendingPathComponent("comparison.svg"), options: .atomic)
    }
}
