import Foundation

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
        let width = 760.0, height = 420.0, left = 64.0, right = 240.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let points = results.flatMap { $0.validationCurve.filter { $0.accuracy.isFinite } }
        let maxStep = Double(max(1, points.map(\.step).max() ?? 1))
        let lowest = points.map(\.accuracy).min() ?? 0
        let yMin = max(0, (lowest * 10).rounded(.down) / 10), yMax = 1.0
        func px(_ step: Int) -> Double { left + Double(step) / maxStep * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / max(1e-9, yMax - yMin) * plotH }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        out += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">"
        out += "Validation accuracy by strategy (\(escape(settings.task.rawValue)))</text>\n"
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        let yStep = (yMax - yMin) > 0.5 ? 0.1 : 0.05
        var y = yMin
        while y <= yMax + 1e-9 {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(y)))\" stroke=\"#e4e4e4\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.2f", y))</text>\n"
            y += yStep
        }
        let xTicks = 5
        for i in 0...xTicks {
            let step = Int((Double(i) / Double(xTicks) * maxStep).rounded())
            out += "<line x1=\"\(f(px(step)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(step)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"#444\"/>\n"
            out += "<text x=\"\(f(px(step)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\" font-size=\"11\">\(step)</text>\n"
        }
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\">optimizer step</text>\n"
        out += "<text x=\"16\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" "
        out += "transform=\"rotate(-90 16 \(f(top + plotH / 2)))\">validation accuracy</text>\n"
        for (i, r) in results.enumerated() {
            let color = colors[i % colors.count]
            let valid = r.validationCurve.filter { $0.accuracy.isFinite }
            let path = valid.map { "\(f(px($0.step))),\(f(py($0.accuracy)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            for p in valid { out += "<circle cx=\"\(f(px(p.step)))\" cy=\"\(f(py(p.accuracy)))\" r=\"2.5\" fill=\"\(color)\"/>\n" }
            let ly = top + 12 + Double(i) * 20
            out += "<line x1=\"\(f(left + plotW + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotW + 32))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(escape(r.label))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// Writes `comparison.md`, `comparison.json` and `validation_curves.svg` into `folder`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(markdown().utf8).write(to: folder.appendingPathComponent("comparison.md"), options: .atomic)
        try json().write(to: folder.appendingPathComponent("comparison.json"), options: .atomic)
        try Data(validationCurvesSVG().utf8).write(to: folder.appendingPathComponent("validation_curves.svg"), options: .atomic)
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// `1234567` → `"1,234,567"`.
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return value < 0 ? "-" + out : out
}

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
