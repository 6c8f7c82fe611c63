// partial-finetune: the top blocks of all-MiniLM-L6-v2 (2 by default) and a new head train, the
// embeddings and lower blocks stay frozen; prints test accuracy, trainable parameters, time per
// step, peak memory and the size of the saved trained tensors.
//
//   make model data
//   swift run --package-path Examples -c release partial-finetune --top-blocks 2
import ArgumentParser
import ExampleCommandLine
import ExampleSupport

struct PartialFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partial-finetune",
        abstract: "Fine-tunes the top blocks plus a new head; saves only the tensors that trained.")

    @OptionGroup var task: TaskOptions
    @OptionGroup var options: TrainingOptions
    @OptionGroup var parallel: DistributedOptions

    @Option(parsing: .unconditional, help: "How many of the top transformer blocks train (all-MiniLM-L6-v2 has 6).")
    var topBlocks = 2

    @Option(help: "Output folder (trainable.safetensors, metrics.jsonl, training_curves.svg).")
    var output = "runs/partial"

    func run() throws {
        var settings = options.settings(task: task.task, output: output)
        settings.topBlocks = topBlocks
        try runSingleStrategy(.partial, settings: settings, distributed: parallel.isRequested)
    }
}

PartialFinetune.main()
