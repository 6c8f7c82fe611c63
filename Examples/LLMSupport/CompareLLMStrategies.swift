import ArgumentParser
import ExampleSupport
import Foundation

/// `compare-strategies --task trec-json` (what `make demo` runs): the few-shot baseline, full,
/// partial, LoRA, QLoRA and DoRA fine-tuning of SmolLM2 on the fixed-JSON task with the same
/// split, seed and budget, each in its own child process (so each peak-memory figure is that
/// strategy's own), then one table as Markdown and JSON and one SVG of validation curves.
public struct CompareLLMStrategies: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare-strategies --task trec-json",
        abstract: "Fine-tunes SmolLM2-135M-Instruct with each strategy on the TREC fixed-JSON task and compares quality and cost.")

    @Option(help: "The task (only trec-json here; sentiment and spam compare sentence-encoder strategies).")
    var task = "trec-json"

    @Option(help: ArgumentHelp("The GGUF model. Default: what `make llm` fetched.", valueName: "FILE.gguf"))
    var model = LLMPaths.defaultModel

    @Option(parsing: .upToNextOption, help: "The strategies, in order (baseline full partial lora qlora dora).")
    var strategies: [LLMStrategyKind] = LLMStrategyKind.allCases

    @Option(help: "Optimizer steps of every trained strategy.")
    var steps = 32

    @Option(help: "Examples per step.")
    var batchSize = 8

    @Option(help: "LoRA/QLoRA/DoRA rank r.")
    var rank = 8

    @Option(help: "LoRA α.")
    var alpha = 16.0

    @Option(parsing: .upToNextOption, help: "Projections LoRA adapts (q_proj v_proj ...).")
    var targets = ["q_proj", "v_proj"]

    @Option(help: "Partial fine-tuning: how many of the top blocks train.")
    var numLayers = LLMRunSettings.defaultPartialLayers

    @Option(help: "Test questions answered per strategy (0: all 500).")
    var testLimit = 100

    @Option(help: "Validation loss every N steps.")
    var evaluateEvery = 16

    @Option(help: "Validation examples per evaluation.")
    var validationLimit = 32

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @Flag(help: "A smoke test (CI): 6 steps of batch 4, 24 test questions.")
    var quick = false

    @Option(help: "Output folder for comparison.md, comparison.json, validation_curves.svg and each strategy's run.")
    var output = "runs/compare-llm"

    @Option(help: "Run only this strategy, in this process (used by the parent run).")
    var only: LLMStrategyKind?

    public init() {}

    public func validate() throws {
        guard task == "trec-json" else { throw ValidationError("--task: this comparison runs trec-json; got '\(task)'") }
        guard !strategies.isEmpty else { throw ValidationError("--strategies needs at least one strategy") }
        do { try settings(for: .lora).validate() } catch { throw ValidationError("\(error)") }
    }

    /// The settings of one strategy's run.
    func settings(for strategy: LLMStrategyKind) -> LLMRunSettings {
        var s = LLMRunSettings(model: model)
        s.task = "trec-json"
        s.strategy = strategy
        s.steps = quick ? 6 : steps
        s.batchSize = quick ? 4 : batchSize
        s.rank = rank
        s.alpha = alpha
        s.targets = targets
        // LoRA adapts every block; partial trains the top blocks.
        s.numLayers = strategy == .partial ? numLayers : nil
        s.testLimit = quick ? 24 : testLimit
        s.evaluateEvery = quick ? 3 : evaluateEvery
        s.validationLimit = quick ? 16 : validationLimit
        s.seed = seed
        s.output = URL(fileURLWithPath: output).appendingPathComponent(strategy.rawValue).path
        return s
    }

    public func run() throws {
        if let only {
            _ = try LLMFineTuneRun(settings: settings(for: only)).run()
            return
        }
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError(LLMExampleError.missingModel(path: model).description) }
        _ = try TRECQuestions.read(from: LLMPaths.trecQuestions)   // fail early, before any child starts
        let start = Date()
        var results: [LLMRunResult] = []
        for (i, strategy) in strategies.enumerated() {
            print("\n===== [\(i + 1)/\(strategies.count)] \(strategy.label(settings(for: strategy))) =====")
            fflush(nil)
            let resultURL = URL(fileURLWithPath: settings(for: strategy).output).appendingPathComponent("result.json")
            try? FileManager.default.removeItem(at: resultURL)
            let status = try ChildProcess.run(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                              arguments: Array(CommandLine.arguments.dropFirst()) + ["--only", strategy.rawValue])
            guard status == 0, let data = try? Data(contentsOf: resultURL) else {
                throw ExampleError.childFailed(strategy: strategy.rawValue, status: status, detail: "see its output above")
            }
            results.append(try LLMRunResult.decoder.decode(LLMRunResult.self, from: data))
        }
        let report = LLMComparisonReport(results: results, settings: settings(for: strategies.last ?? .lora),
                                         machine: machineDescription(), totalSeconds: Date().timeIntervalSince(start))
        try report.write(to: URL(fileURLWithPath: output))
        print("\nmachine: \(report.machine)\n")
        print(report.markdownTable())
        print(report.examplesMarkdown())
        print("whole comparison: \(String(format: "%.0f", report.totalSeconds)) s")
        print("wrote \(output)/comparison.md, comparison.json and validation_curves.svg")
    }
}
