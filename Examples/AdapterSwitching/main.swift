// adapter-switching: one frozen all-MiniLM-L6-v2, two LoRA adapters — sentiment (movie reviews)
// and spam (SMS) — switched at run time on the same inputs.
//
// It trains both adapters first (with lora-finetune's code) unless their folders already exist,
// then loads them from their PEFT files onto one fresh base model and classifies the same
// sentences with each, shows each adapter's accuracy on both tasks' test parts, and checks that
// the base weights never changed.
//
//   make model data
//   swift run --package-path Examples -c release adapter-switching
import ArgumentParser
import ExampleCommandLine
import ExampleSupport
import FineTuning
import Foundation
import TensorKit

struct AdapterSwitching: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter-switching",
        abstract: "Trains (or reuses) a sentiment and a spam LoRA adapter and switches between them on one base model.")

    @OptionGroup var options: TrainingOptions
    @OptionGroup var lora: LoRAOptions

    @Option(help: "Output folder: <task>/adapter/ per task, with its metrics.")
    var output = "runs/adapters"

    @Flag(help: "Train the adapters again even when their folders exist.")
    var retrain = false

    @Option(parsing: .unconditional, help: "Test examples per task for the accuracy matrix.")
    var evaluationExamples = 300

    func run() throws {
        var settings = options.settings(output: output)
        lora.apply(to: &settings)
        if options.steps == nil && options.epochs == nil && !options.quick { settings.steps = 100 }
        do { try settings.validate() } catch { throw ValidationError(error.description) }
        guard (1...1_000_000).contains(evaluationExamples) else {
            throw ValidationError("--evaluation-examples must be in 1...1000000, got \(evaluationExamples)")
        }
        let tasks: [ExampleTask] = [.sentiment, .spam]

        // 1. One adapter per task, each trained on the frozen base with its own head.
        var folders: [ExampleTask: URL] = [:]
        for task in tasks {
            var s = settings
            s.task = task
            s.outputDirectory = URL(fileURLWithPath: output).appendingPathComponent(task.rawValue).path
            let folder = URL(fileURLWithPath: s.outputDirectory).appendingPathComponent("adapter")
            folders[task] = folder
            if !retrain && FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter_config.json").path) {
                print("reusing the \(task.rawValue) adapter in \(folder.path) (--retrain to train it again)")
                continue
            }
            print("\n===== training the \(task.rawValue) adapter =====")
            let result = try FineTuneRun(settings: s, strategy: .lora).run()
            print("\(task.rawValue) adapter: test accuracy \(String(format: "%.4f", result.testAccuracy)), "
                  + "\(formatBytes(result.artifactBytes)) on disk")
        }

        // 2. A fresh base model; both adapters loaded from their files. Loading an adapter also
        //    loads its head (a module to save), so each task's head is kept beside its adapter.
        let (model, tokenizer, _) = try FineTuneRun.loadClassifier(
            modelDirectory: settings.modelDirectory, classes: 2, seed: settings.seed)
        model.eval()
        let baseQuery = model.encoder.layers[0].attention.query!.weight.clone()
        var heads: [ExampleTask: (weight: Tensor, bias: Tensor)] = [:]
        for task in tasks {
            try model.loadAdapter(from: folders[task]!, as: task.rawValue, hfModulePath: ArtifactWriter.huggingFacePath)
            heads[task] = (model.classifier.weight.clone(), model.classifier.bias!.clone())
        }
        print("\none base model, adapters: \(model.adapterNames.joined(separator: ", "))")

        func activate(_ task: ExampleTask) throws {
            try model.setActiveAdapter(task.rawValue)
            withGradientsDisabled {
                model.classifier.weight.assign(heads[task]!.weight)
                model.classifier.bias!.assign(heads[task]!.bias)
            }
        }

        // 3. The same inputs through each adapter.
        let collator = TextClassificationCollator(tokenizer: tokenizer, maxLength: settings.maxLength)
        let data = URL(fileURLWithPath: settings.dataDirectory)
        var splits: [ExampleTask: ExampleSplit] = [:]
        for task in tasks { splits[task] = ExampleSplit(try task.load(from: data), testLimit: evaluationExamples) }
        let sentences = [
            "A gorgeous, witty and moving film; I loved every minute of it.",
            "Tedious, badly acted and far too long.",
            "WINNER!! You have been selected for a £1000 prize. Call 09061701461 now to claim.",
            "Hey, are we still meeting for lunch at noon?",
        ] + (0..<2).map { splits[.sentiment]!.test.example(at: $0).text }
          + (0..<2).map { splits[.spam]!.test.example(at: $0).text }
        var predictions: [ExampleTask: [(label: String, confidence: Double)]] = [:]
        for task in tasks {
            try activate(task)
            let batch = collator.collate(sentences.map { TextClassificationExample(text: $0, label: 0) })
            let probabilities = withGradientsDisabled {
                model(batch.inputIDs, tokenTypes: batch.tokenTypeIDs, mask: batch.attentionMask).softmax(axis: -1)
            }.contiguous().scalars(as: Float.self)
            predictions[task] = (0..<sentences.count).map { row in
                let p1 = Double(probabilities[2 * row + 1])
                return p1 >= 0.5 ? (task.classNames[1], p1) : (task.classNames[0], 1 - p1)
            }
        }
        print("\nthe same inputs, switching adapters:")
        for (row, sentence) in sentences.enumerated() {
            let shown = sentence.count > 70 ? String(sentence.prefix(67)) + "..." : sentence
            let cells = tasks.map { task in
                "\(task.rawValue): \(predictions[task]![row].label) \(String(format: "%.2f", predictions[task]![row].confidence))"
            }
            print("  \(shown.padding(toLength: 72, withPad: " ", startingAt: 0)) | " + cells.joined(separator: " | "))
        }

        // 4. Each adapter on each task: an adapter is only good at its own task.
        print("\ntest accuracy (\(evaluationExamples) examples per task), rows: active adapter, columns: task")
        print("  adapter      " + tasks.map { $0.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
        for adapter in tasks {
            try activate(adapter)
            let cells = tasks.map { task in
                String(format: "%-11.3f", FineTuneRun.evaluate(model, on: splits[task]!.test, collator: collator).accuracy)
            }
            print("  " + adapter.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) + cells.joined())
        }

        // 5. Switching never touched the base weights.
        let unchanged = model.encoder.layers[0].attention.query!.weight.scalars(as: Float.self) == baseQuery.scalars(as: Float.self)
        print("\nbase weights unchanged after loading and switching: \(unchanged ? "yes" : "NO")")
        if !unchanged { throw ExampleError.invalidOption("the base weights changed while switching adapters") }
    }
}

AdapterSwitching.main()
