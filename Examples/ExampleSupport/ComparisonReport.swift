import Foundation
import FineTuning

/// The comparison of several runs: a Markdown table, a JSON document and one SVG with every
/// strategy's validation-accuracy curve.
public struct ComparisonReport: Codable, Sendable {
    /// The runs, in the order they ran.
    public var results: [RunResult]
    /// The settings shared by the runs.
    public var settings: RunSettings
    /// What the runs ran on (CPU, cores, OS), as given by ``machineDescription()``.
    public var machine: String
    /// The split's sizes, as printed.
    public var split: String
    /// Wall time of the whole comparison.
    public var totalSeconds: Double

    /// A report of `results`.
    public init(results: [RunResult], settings: RunSettings, machine: String, split: String, totalSeconds: Double) {
        self.results = results
        self.settings = settings
        self.machine = machine
        self.split = split
        self.totalSeconds = totalSeconds
    }

    /// The table, one row per strategy.
    public func markdownTable() -> String {
        var out = "| Strategy | Test acc. | Trainable params | Trainable % | Optimizer state | Peak RSS | ms/step | Total time | Artifact |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            out += "| \(r.label) | \(String(format: "%.3f", r.testAccuracy)) | \(grouped(r.trainableParameters)) | "
            out += "\(String(format: r.trainablePercent < 1 ? "%.3f" : "%.1f", r.trainablePercent)) | \(formatBytes(r.optimizerStateBytes)) | "
            out += "\(r.peakRSSBytes.map(formatBytes) ?? "n/a") | \(String(format: "%.0f", r.millisecondsPerStep)) | "
            out += "\(String(format: "%.0f s", r.totalSeconds)) | \(formatBytes(r.artifactBytes)) |\n"
        }
        return out
    }

    /// The whole Markdown document: settings, split, machine, table.
    public func markdown() -> String {
        let s = settings
        var out = "# Fine-tuning strategies compared\n\n"
        out += "Model: all-MiniLM-L6-v2 (\(results.first.map { grouped($0.totalParameters) } ?? "?") parameters with the head). "
        out += "Task: \(s.task.rawValue) (\(s.task.fileName)).\n\n"
        out += "Settings: \(s.steps) steps, batch \(s.batchSize), max length \(s.maxLength), AdamW (weight decay 0.01), "
        out += "10% warmup then linear decay, seed \(s.seed); learning rates: "
        out += results.map { "\($0.strategy.rawValue) \(String(format: "%g", $0.learningRate))" }.joined(separator: ", ") + ".\n\n"
        out += "Data: " + split.replacingOccurrences(of: "\n", with: "; ") + ".\n\n"
        out += "Machine: \(machine). Whole comparison: \(String(format: "%.0f", totalSeconds)) s.\n\n"
        out += markdownTable()
        out += "\nTest accuracy on the test part; optimizer state is `optimizer.stateByteCount` (AdamW's two moments "
        out += "per trained element); peak RSS is `VmHWM` of a process that ran only that strategy; ms/step excludes "
        out += "evaluations; total time includes loading, evaluations and saving; the artifact is what the strategy "
        out += "needs on disk besides the base model (full: the whole model).\n"
        return out
    }

    /// The JSON document (pretty-printed, keys sorted).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// One chart: validation accuracy against step, a line per strategy.
    public func validationCurvesSVG() -> String {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
        let series = results.enumerated().map { i, r in
            SVGChart.Series(name: r.label, color: colors[i % colors.count],
                            points: r.validationCurve.map { (Double($0.step), $0.accuracy) }, markers: true)
        }
        let chart = SVGChart(title: "Validation accuracy by strategy (\(settings.task.rawValue))",
                             xLabel: "optimizer step", series: series, width: 760, height: 460)
        return SVGChart.document([chart], columns: 1)
    }

    /// Writes `comparison.md`, `comparison.json` and `validation_curves.svg` into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(markdown().utf8).write(to: folder.appendingPathComponent("comparison.md"), options: .atomic)
        try json().write(to: folder.appendingPathComponent("comparison.json"), options: .atomic)
        try Data(validationCurvesSVG().utf8).write(to: folder.appendingPathComponent("validation_curves.svg"), options: .atomic)
    }
}

/// `1234567` → `"1,234,567"`.
public func grouped(_ value: Int) -> String { ParameterSummary.grouped(value) }

/// The CPU model, the cores this process may use and the OS, from `/proc` (Linux).
public func machineDescription() -> String {
    var cpu = "unknown CPU"
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
       let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
       let name = line.split(separator: ":", maxSplits: 1).last {
        cpu = name.trimmingCharacters(in: .whitespaces)
    }
    var os = "Linux"
    if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
       let line = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
        os = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
        .flatMap { Int($0.split(separator: " ")[1]) }.map { formatBytes($0 * 1024) } ?? "?"
    return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) RAM, \(os)"
}
