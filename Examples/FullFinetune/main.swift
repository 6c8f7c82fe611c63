// full-finetune: every parameter of all-MiniLM-L6-v2 plus a new classification head trains on the
// sentiment task (or --task spam); prints test accuracy, trainable parameters, time per step,
// peak memory and the size of the saved full checkpoint.
//
//   make model data
//   swift run --package-path Examples -c release full-finetune --steps 200
import ArgumentParser
import ExampleCommandLine
import ExampleSupport

struct FullFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "full-finetune",
        abstract: "Fine-tunes every parameter of the encoder plus a new head; saves a full checkpoint.")

    @OptionGroup var task: TaskOptions
    @OptionGroup var options: TrainingOptions
    @OptionGroup var parallel: DistributedOptions

    @Option(help: "Output folder (model.safetensors, metrics.jsonl, training_curves.svg).")
    var output = "runs/full"

    func run() throws {
        try runSingleStrategy(.full, settings: options.settings(task: task.task, output: output), distributed: parallel.isRequested)
    }
}

FullFinetune.main()
