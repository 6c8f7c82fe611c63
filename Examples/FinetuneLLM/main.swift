// finetune-llm — supervised fine-tuning of a pretrained GGUF LLM (SmolLM2-135M-Instruct by
// default) with full, partial, LoRA, DoRA or QLoRA, on JSONL chat/prompt-completion/text data or
// the built-in fixed-JSON task.
//
//   make llm data
//   swift run --package-path Examples -c release finetune-llm --task trec-json --strategy lora --steps 150
//   swift run --package-path Examples -c release finetune-llm --data my-data/ --strategy qlora --targets q_proj v_proj
//   mpirun -np 2 Examples/.build/release/finetune-llm --task trec-json --strategy lora   # data parallel
import ArgumentParser
import Distributed
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

    @Flag(help: "Data-parallel training over the processes of `mpirun -np N` (each trains on its share of every batch of --batch-size examples; process 0 writes). On by itself when mpirun started the program.")
    var distributed = false

    func run() throws {
        if distributed || MPILaunch.current != nil {
            let world = try Communicator.world()
            var run = LLMFineTuneRun(settings: options.settings(), log: world.rank == 0 ? { print($0); fflush(nil) } : { _ in })
            run.dataParallel = DataParallel(world)
            let result = world.abortingOnError { try run.run() }
            if world.rank == 0 { report(result) }
            return
        }
        do {
            let result = try LLMFineTuneRun(settings: options.settings()).run()
            report(result)
        } catch let error as LLMExampleError {
            throw ValidationError(error.description)
        }
    }

    private func report(_ result: LLMRunResult) {
        print(String(format: "%@: %.0f ms/step, peak RSS %@, artifact %@ → %@/result.json", result.label, result.msPerStep,
                     result.peakRSSBytes.map(formatBytes) ?? "n/a", formatBytes(result.artifactBytes), options.output))
    }
}

FinetuneLLM.main()
