// lora-finetune: LoRA adapters (rank 8 on the attention query and value projections by default)
// and a new head train on all-MiniLM-L6-v2, the base weights stay frozen; saves the adapter in
// Hugging Face PEFT's layout (adapter_config.json + adapter_model.safetensors, head included) and
// prints test accuracy, trainable parameters, time per step, peak memory and the adapter's size.
//
//   make model data
//   swift run --package-path Examples -c release lora-finetune --rank 8 --alpha 16 --targets query value
import ArgumentParser
import ExampleCommandLine
import ExampleSupport

struct LoraFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora-finetune",
        abstract: "Fine-tunes LoRA adapters plus a new head; saves the adapter in PEFT's layout.")

    @OptionGroup var task: TaskOptions
    @OptionGroup var options: TrainingOptions
    @OptionGroup var parallel: DistributedOptions
    @OptionGroup var lora: LoRAOptions

    @Option(help: "Output folder (adapter/, metrics.jsonl, training_curves.svg).")
    var output = "runs/lora"

    func run() throws {
        var settings = options.settings(task: task.task, output: output)
        lora.apply(to: &settings)
        try runSingleStrategy(.lora, settings: settings, distributed: parallel.isRequested)
    }
}

LoraFinetune.main()
