import Foundation
import ExampleSupport
import FineTuning

/// The table of `compare-strategies --task trec-json`: every strategy on the same split, seed and
/// budget, as Markdown, JSON and an SVG of validation-loss curves.
public struct LLMComparisonReport: Codable, Sendable {
    /// One entry per strategy, in the order run.
    public var results: [LLMRunResult]
    /// The shared settings (the strategy field is the last one run's).
    public var settings: LLMRunSettings
    /// CPU, cores, OS.
    public var machine: String
    /// Seconds for the whole comparison.
    public var totalSeconds: Double

    enum CodingKeys: String, CodingKey {
        case results, settings, machine
        case totalSeconds = "total_seconds"
    }

    /// A report of `results`.
    public init(results: [LLMRunResult], settings: LLMRunSettings, machine: String, totalSeconds: Double) {
        self.results = results
        self.settings = settings
        self.machine = machine
        self.totalSeconds = totalSeconds
    }

    /// The table alone.
    public func markdownTable() -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", 100 * $0) } ?? "n/a" }
        var out = "| Strategy | JSON valid | Category acc. | Subcategory acc. | Trainable params | Optimizer state | Peak RSS | ms/step | Budget | Total time | Artifact |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            let budget = r.steps == 0 ? "—" : "\(r.steps) × \(r.examplesPerStep)"
            out += "| \(r.label) | \(percent(r.jsonValid)) | \(percent(r.categoryAccuracy)) | \(percent(r.subcategoryAccuracy)) | "
            out += "\(grouped(r.trainableParameters)) | \(formatBytes(r.optimizerStateBytes)) | \(r.peakRSSBytes.map(formatBytes) ?? "n/a") | "
            out += "\(r.steps == 0 ? "—" : String(format: "%.0f", r.msPerStep)) | \(budget) | \(String(format: "%.0f s", r.totalSeconds)) | "
            out += "\(r.artifactBytes == 0 ? "—" : formatBytes(r.artifactBytes)) |\n"
        }
        return out
    }

    /// Three answers per strategy.
    public func examplesMarkdown() -> String {
        var out = ""
        for r in results where !r.examples.isEmpty {
            out += "\n**\(r.label)**\n\n"
            for e in r.examples {
                out += "- \(e.question) → `\(e.output.replacingOccurrences(of: "\n", with: " "))` (expected `\(e.expected)`)\n"
            }
        }
        return out
    }

    /// The whole Markdown document.
    public func markdown() -> String {
        let s = settings
        let first = results.first { $0.testCount > 0 }
        var out = "# Fine-tuning SmolLM2-135M-Instruct: strategies compared on the fixed-JSON task\n\n"
        out += "Task: answer a TREC question with exactly `{\"category\": \"<COARSE>\", \"subcategory\": \"<fine>\"}` "
        out += "(\(first?.testCount ?? 0) test questions, greedy decoding to the end of the assistant turn). "
        out += "The baseline is the untuned model with the instruction and three worked examples.\n\n"
        out += "Budget of every trained row: \(s.steps) steps × batch \(s.batchSize)"
        out += s.gradAccumulation > 1 ? " × \(s.gradAccumulation) accumulated" : ""
        out += ", prompt masked, AdamW (no weight decay), 10 % warmup then linear decay, seed \(s.seed); learning rates: "
        out += results.filter { $0.steps > 0 }.map { "\($0.strategy.rawValue) \(String(format: "%g", $0.learningRate))" }.joined(separator: ", ") + ".\n\n"
        out += "Machine: \(machine). Whole comparison: \(String(format: "%.0f", totalSeconds)) s.\n\n"
        out += markdownTable()
        out += "\nJSON valid: the answer parses as a JSON object with exactly the two keys; the accuracies count "
        out += "valid answers with the right classes. Peak RSS is `VmHWM` of a process that ran only that strategy; "
        out += "ms/step excludes evaluation; total time includes loading, training, validation and the test; the "
        out += "artifact is what the strategy needs on disk besides the base model (full and partial: the trained "
        out += "weights as safetensors; adapters: the PEFT folder).\n\n## Example answers\n"
        out += examplesMarkdown()
        return out
    }

    /// One chart: validation loss against step, a line per trained strategy.
    public func validationCurvesSVG() -> String {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        let series = results.filter { !$0.validationCurve.isEmpty }.enumerated().map { i, r in
            SVGChart.Series(name: r.label, color: colors[i % colors.count],
                            points: r.validationCurve.map { (Double($0.step), $0.loss) }, markers: true)
        }
        let chart = SVGChart(title: "Validation loss (assistant tokens) by strategy, trec-json",
                             xLabel: "optimizer step", series: series, width: 760, height: 460)
        return SVGChart.document([chart], columns: 1)
    }

    /// Writes `comparison.md`, `comparison.json` and `validation_curves.svg` into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(markdown().utf8).write(to: folder.appendingPathComponent("comparison.md"), options: .atomic)
        try LLMRunResult.encoder.encode(self).write(to: folder.appendingPathComponent("comparison.json"), options: .atomic)
        try Data(validationCurvesSVG().utf8).write(to: folder.appendingPathComponent("validation_curves.svg"), options: .atomic)
    }
}
