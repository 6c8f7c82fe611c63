// finetune: text classification on your own data. Reads a CSV, TSV or JSONL training file (and
// optional validation and test files), finds the labels, fine-tunes all-MiniLM-L6-v2 (or another
// BERT-style model) with the strategy you pick, prints per-class precision/recall/F1 and the
// confusion matrix, and saves a run folder that `predict` loads.
//
//   swift run --package-path Examples -c release finetune --train-file train.csv --test-file test.csv --strategy lora
//   swift run --package-path Examples -c release finetune --config finetune.yaml --steps 200
//   echo "free prize, call now" | swift run --package-path Examples -c release predict runs/finetune
import ArgumentParser
import ExampleCommandLine
import ExampleSupport
import FineTuning
import Foundation

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tunes a sentence encoder to classify your own texts (CSV, TSV or JSONL) and saves a run `predict` loads.",
        discussion: """
            The labels are the distinct values of the label column in the training file (sorted, unless they are \
            0, 1, 2, …); validation and test files may only use those. A config file (--config) takes the same \
            names as the flags, e.g. `train-file: data/train.csv` in YAML or {"train-file": "data/train.csv"} in \
            JSON; flags given on the command line win. See Documentation/Examples.md.
            """)

    @OptionGroup var options: FinetuneOptions
    @OptionGroup var parallel: DistributedOptions

    func run() throws {
        let (settings, strategy) = try options.resolved()
        if parallel.isReportingProcess {
            print("finetune: \(strategy.label(settings)) on \(settings.trainFile ?? "?") (model \(settings.modelDirectory))")
        }
        guard let result = try FineTuneRun(settings: settings, strategy: strategy).run(distributed: parallel.isRequested) else {
            return   // another process of a data-parallel job: process 0 reports
        }
        let output = URL(fileURLWithPath: settings.outputDirectory)
        let metrics = result.testMetrics
        print("")
        print("strategy:            \(result.label)")
        print("\(result.evaluatedOn ?? "test") accuracy:\(result.evaluatedOn == "validation" ? "" : "      ") \(String(format: "%.4f", result.testAccuracy)), macro-F1 \(String(format: "%.4f", metrics?.macroF1 ?? .nan)) on \(result.testExamples) examples")
        print("trainable params:    \(grouped(result.trainableParameters)) of \(grouped(result.totalParameters)) (\(String(format: "%.4f", result.trainablePercent))%)")
        print("time per step:       \(String(format: "%.0f", result.millisecondsPerStep)) ms (\(result.steps) steps)")
        print("artifact:            \(result.artifactPath) (\(formatBytes(result.artifactBytes)))")
        print("run folder:          \(output.path) (run.json, result.json, metrics.jsonl)")
        print("\nlabel new texts (one per line, JSON lines out):")
        print("  swift run --package-path Examples -c release predict \(output.path) --input texts.txt")
        if strategy.savesAdapter, let classNames = metrics?.classNames {
            print("\nload the adapter in Python (transformers + PEFT):\n")
            print(SequenceClassifier.huggingFaceLoadingCode(folder: result.artifactPath, baseModel: settings.modelDirectory,
                                                            classNames: classNames))
            print("\n(see the note above: transformers pools differently, so its probabilities differ from predict's)")
        }
    }
}

Finetune.main()
