// finetune-llm — supervised fine-tuning of a pretrained GGUF LLM (SmolLM2-135M-Instruct by
// default) with full, partial, LoRA, DoRA or QLoRA, on JSONL chat/prompt-completion/text data or
// the built-in fixed-JSON task.
//
//   make llm data
//   swift run --package-path Examples -c release finetune-llm --task trec-json --strategy lora --steps 150
//   swift run --package-path Examples -c release finetune-llm --data my-data/ --strategy qlora --targets q_proj v_proj
import ArgumentParser
import Foundation
import ExampleSupport
import LLMSupport

struct FinetuneLLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune-llm",
        abstract: "Fine-tunes a pretrained GGUF language model (full, partial, LoRA, DoRA, QLoRA) on chat JSONL data.",
        discussion: """
            Chat and prompt/completion data go through the model's chat template; the loss covers the \
            assistant/completion tokens only unless --train-on-prompt. Writes the adapter (PEFT layout) or the \
            trained weights, metrics.jsonl, a loss plot and result.json into --output.
            """)

    @OptionGroup var options: FinetuneLLMOptions

    func run() throws {
        do {
            let result = try LLMFineTuneRun(settings: options.settings()).run()
            print(String(format: "%@: %.0f ms/step, peak RSS %@, artifact %@ → %@/result.json", result.label, result.msPerStep,
                         result.peakRSSBytes.map(formatBytes) ?? "n/a", formatBytes(result.artifactBytes), options.output))
        } catch let error as LLMExampleError {
            throw ValidationError(error.description)
        }
    }
}

FinetuneLLM.main()
