// compare-strategies — the main job (`make demo` runs it). On the same model (all-MiniLM-L6-v2),
// task, split and seed it runs: the frozen pretrained encoder with a new head (the "no fine-tuning"
// baseline), full fine-tuning, partial (top 2 blocks + head), LoRA (r 8 on query/value + head),
// BitFit and IA³; then prints one table and writes it as Markdown and JSON plus one SVG with
// every strategy's validation curve into --output.
//
// Each strategy runs in a child process of this same program (`--only NAME`), so each peak
// memory figure (VmHWM, process-wide and never decreasing) is that strategy's own.
//
//   make model data
//   swift run --package-path Examples -c release compare-strategies              # a few minutes on 2 cores
//   swift run --package-path Examples -c release compare-strategies --quick      # about a minute (CI smoke test)
//
// With `--task trec-json` (what `make demo` runs) it compares LLM fine-tuning strategies on
// SmolLM2-135M-Instruct instead: see LLMSupport/CompareLLMStrategies.swift.
import ArgumentParser
import ExampleCommandLine
import ExampleSupport
import Foundation
import LLMSupport

struct CompareStrategies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-strategies",
        abstract: "Fine-tunes with each strategy on the same split and seed and compares quality and cost.",
        discussion: """
            --task sentiment|spam compares sentence-encoder strategies (all-MiniLM-L6-v2, the options below). \
            --task trec-json compares LLM strategies on SmolLM2-135M-Instruct (`make demo`); see \
            `compare-strategies --task trec-json --help` for its options.
            """)

    @OptionGroup var task: TaskOptions
    @OptionGroup var options: TrainingOptions
    @OptionGroup var lora: LoRAOptions

    @Option(parsing: .unconditional, help: "Partial fine-tuning: how many of the top blocks train.")
    var topBlocks = 2

    @Option(parsing: .upToNextOption, help: "The strategies to compare, in order (frozen full partial lora dora bitfit ia3; default: all but dora).")
    var strategies: [StrategyKind] = StrategyKind.compared

    @Option(help: "Output folder for comparison.md, comparison.json, validation_curves.svg and each strategy's run.")
    var output = "runs/compare"

    @Option(help: "Run only this strategy, in this process, and write its result to <output>/<name>/result.json (used by the parent run).")
    var only: StrategyKind?

    @Flag(help: "Run every strategy in this process instead of a child process each (peak memory is then cumulative).")
    var inProcess = false

    func settings() throws -> RunSettings {
        var s = options.settings(task: task.task, output: output)
        lora.apply(to: &s)
        s.topBlocks = topBlocks
        do { try s.validate() } catch { throw ValidationError(error.description) }
        return s
    }

    func validate() throws {
        guard !strategies.isEmpty else { throw ValidationError("--strategies needs at least one strategy") }
    }

    func run() throws {
        let settings = try settings()
        if let only {
            _ = try runOne(only, settings: settings)   // FineTuneRun writes <output>/<only>/result.json
            return
        }
        // Fail early, before any child starts, on a missing model or dataset.
        _ = try settings.task.load(from: URL(fileURLWithPath: settings.dataDirectory))
        if !FileManager.default.fileExists(atPath: URL(fileURLWithPath: settings.modelDirectory)
            .appendingPathComponent("model.safetensors").path) {
            throw ExampleError.missingModel(path: settings.modelDirectory)
        }
        let start = Date()
        var results: [RunResult] = []
        for (i, strategy) in strategies.enumerated() {
            print("\n===== [\(i + 1)/\(strategies.count)] \(strategy.label(settings)) =====")
            fflush(nil)   // flush our buffered output before the child writes to the same stream
            if inProcess {
                results.append(try runOne(strategy, settings: settings))
            } else {
                results.append(try runChild(strategy, settings: settings))
            }
        }
        let split = try ClassificationData.load(settings).summary
        let report = ComparisonReport(results: results, settings: settings, machine: machineDescription(), split: split,
                                      totalSeconds: Date().timeIntervalSince(start))
        let folder = URL(fileURLWithPath: output)
        try report.write(to: folder)
        print("\n" + split)
        print("machine: \(report.machine)\n")
        print(report.markdownTable())
        print("whole comparison: \(String(format: "%.0f", report.totalSeconds)) s")
        print("wrote \(output)/comparison.md, comparison.json and validation_curves.svg")
    }

    private func runOne(_ strategy: StrategyKind, settings: RunSettings) throws -> RunResult {
        var s = settings
        s.outputDirectory = URL(fileURLWithPath: output).appendingPathComponent(strategy.rawValue).path
        return try FineTuneRun(settings: s, strategy: strategy).run()
    }

    /// Runs this program again with the same arguments plus `--only strategy`; its output goes
    /// straight to ours, and SIGINT/SIGTERM are forwarded to it (``ChildProcess``).
    private func runChild(_ strategy: StrategyKind, settings: RunSettings) throws -> RunResult {
        let resultURL = Self.resultURL(strategy, settings)
        try? FileManager.default.removeItem(at: resultURL)
        // Ctrl-C or a SIGTERM reaches the child too, and this process then ends by the same signal.
        let status = try ChildProcess.run(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                          arguments: Array(CommandLine.arguments.dropFirst()) + ["--only", strategy.rawValue])
        guard status == 0, let data = try? Data(contentsOf: resultURL) else {
            throw ExampleError.childFailed(strategy: strategy.rawValue, status: status, detail: "see its output above")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(RunResult.self, from: data)
    }

    private static func resultURL(_ strategy: StrategyKind, _ settings: RunSettings) -> URL {
        URL(fileURLWithPath: settings.outputDirectory).appendingPathComponent(strategy.rawValue)
            .appendingPathComponent("result.json")
    }
}

/// `--task trec-json` (or `--task=trec-json`) selects the LLM comparison.
let arguments = Array(CommandLine.arguments.dropFirst())
let llmTask = zip(arguments, arguments.dropFirst()).contains { $0 == "--task" && $1 == "trec-json" } || arguments.contains("--task=trec-json")
if llmTask { CompareLLMStrategies.main() } else { CompareStrategies.main() }
