// generate: text from a pretrained LLM in a GGUF file (SmolLM2-135M-Instruct by default).
//
//   make llm                                              # fetches data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
//   swift run --package-path Examples -c release generate --prompt "The capital of France is"
//   swift run --package-path Examples -c release generate --chat --prompt "Hello"
//   echo "What is 2+2?" | swift run --package-path Examples -c release generate --chat --json
//   swift run --package-path Examples -c release generate --adapter runs/adapter --chat --prompt "What is the capital of Italy ?"
//
// Without --prompt, each stdin line is a prompt. --json prints one JSON line per prompt with
// exactly the keys prompt, input_ids, output_ids, text, top5_ids, top5_logits (the five largest
// logits at the last prompt position, largest first); otherwise the text is streamed, then the
// token counts and speed. --adapter DIR applies a PEFT LoRA/DoRA adapter folder (made by PEFT for
// the Hugging Face model, or by finetune-llm) before generating; on the float model it is merged
// into the weights, on --quantized ones it runs beside the quantized blocks. --interactive is a
// conversation (llama.cpp's -cnv, mlx_lm.chat): each stdin line is a user turn, the reply is
// streamed, the keys and values of the conversation are kept between turns; /reset forgets it.
import ArgumentParser
import Foundation
import FineTuning

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generates text with a pretrained LLM loaded from a GGUF file.")

    /// `data/smollm2/…` of this package, wherever the program is started from.
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Option(help: ArgumentHelp("The GGUF model file (default: what `make llm` fetched).", valueName: "FILE.gguf"))
    var model = Generate.defaultModel

    @Option(help: "The prompt; without it, each line of stdin is one prompt.")
    var prompt: String?

    @Flag(help: "Wrap the prompt in the model's chat template as a user turn (with the assistant's turn opened).")
    var chat = false

    @Option(help: "A system message for --chat (without it, the template's own default applies, as in transformers).")
    var system: String?

    @Option(help: "The most tokens to generate (max_new_tokens).")
    var maxNewTokens = 128

    @Option(help: "Sampling temperature; 0 (the default) is greedy decoding.")
    var temperature = 0.0

    @Option(help: "Keep only the k most likely tokens (top_k); 0 keeps all.")
    var topK = 0

    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass (top_p).")
    var topP = 1.0

    @Option(help: "Drop tokens less likely than this fraction of the most likely one (min_p).")
    var minP = 0.0

    @Option(help: "Penalty for tokens already in the sequence (repetition_penalty); 1 is off.")
    var repetitionPenalty = 1.0

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Flag(help: "Keep the weights in their quantized GGUF blocks (about the file's size in memory) instead of float32.")
    var quantized = false

    @Option(help: ArgumentHelp("A PEFT LoRA/DoRA adapter folder (adapter_config.json + adapter_model.safetensors) to apply.",
                               valueName: "DIR"))
    var adapter: String?

    @Flag(help: "One JSON line per prompt: prompt, input_ids, output_ids, text, top5_ids, top5_logits.")
    var json = false

    @Flag(name: [.short, .long],
          help: "A conversation: each stdin line is a user turn of the chat template (llama.cpp's -cnv, mlx_lm.chat); /reset forgets it, /exit or end of input ends it.")
    var interactive = false

    func validate() throws {
        guard (1...100_000).contains(maxNewTokens) else {
            throw ValidationError("--max-new-tokens must be in 1...100000, got \(maxNewTokens)")
        }
        do { try sampling.validate() } catch { throw ValidationError("\(error)") }
        if interactive && (json || prompt != nil) {
            throw ValidationError("--interactive reads the turns from stdin; it takes neither --prompt nor --json")
        }
    }

    var sampling: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repetitionPenalty)
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("model file \(model) not found; `make llm` fetches SmolLM2-135M-Instruct into data/smollm2/")
        }
        var isFolder: ObjCBool = false
        if let adapter, !FileManager.default.fileExists(atPath: adapter, isDirectory: &isFolder) || !isFolder.boolValue {
            throw AdapterFailure(folder: adapter, reason: "no such folder")   // before the model's slow load
        }
        let llm = try PretrainedLLM(contentsOf: URL(fileURLWithPath: model), quantized: quantized)
        if let adapter { try apply(adapter: adapter, to: llm.model) }
        if interactive { return try converse(with: llm) }
        let generator = TextGenerator(model: llm.model, tokenizer: llm.tokenizer, stopTokens: llm.stopTokens)
        if let prompt {
            try answer(prompt, llm: llm, generator: generator)
        } else {
            while let line = readLine(strippingNewline: true) { try answer(line, llm: llm, generator: generator) }
        }
    }

    /// The conversation loop: a `> ` prompt, one user turn per line, the reply streamed.
    private func converse(with llm: PretrainedLLM) throws {
        let chat = ChatSession(llm: llm, system: system)
        let random = Generator(seed: seed)
        func show(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
        show("> ")
        while let line = readLine(strippingNewline: true) {
            switch line.trimmingCharacters(in: .whitespaces) {
            case "/exit", "/quit": return
            case "/reset":
                chat.reset()
                show("(conversation cleared)\n> ")
            case "":
                show("> ")
            default:
                let start = Date()
                let reply = try chat.respond(to: line, maxNewTokens: maxNewTokens, sampling: sampling, generator: random) { show($0) }
                let seconds = Date().timeIntervalSince(start)
                let summary = String(format: "[%d new prompt tokens (%d reused), %d generated in %.2f s]\n",
                                     reply.promptIDs.count - chat.reusedTokens, chat.reusedTokens, reply.outputIDs.count, seconds)
                FileHandle.standardError.write(Data(("\n" + summary).utf8))
                show("> ")
            }
        }
        show("\n")
    }

    /// Loads the adapter folder onto `model`; merged into float weights (no cost per token),
    /// kept beside quantized ones (which cannot be rewritten).
    private func apply(adapter path: String, to model: GPT) throws {
        do { try model.loadHuggingFaceAdapter(from: URL(fileURLWithPath: path)) } catch {
            throw AdapterFailure(folder: path, reason: "\(error)")
        }
        if !quantized { model.mergeAdapters() }
    }

    private func answer(_ prompt: String, llm: PretrainedLLM, generator: TextGenerator) throws {
        let text = chat ? try llm.chatPrompt(user: prompt, system: system) : prompt
        let ids = llm.tokenizer.encode(text, addSpecialTokens: true)
        guard !ids.isEmpty else { throw ValidationError("the prompt encodes to no tokens") }
        var top5: [(id: Int, logit: Float)] = []
        let start = Date()
        var firstToken: Date?
        let result = generator.generate(
            promptIDs: ids, maxNewTokens: maxNewTokens, sampling: sampling, generator: Generator(seed: seed),
            onPromptLogits: { logits in
                firstToken = Date()
                top5 = Array(logits.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
                    .prefix(5).map { (id: $0.offset, logit: $0.element) })
            },
            onText: { piece in
                if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
            })
        let end = Date()
        if json {
            let object: [String: Any] = [
                "prompt": prompt, "input_ids": ids, "output_ids": result.outputIDs, "text": result.text,
                "top5_ids": top5.map(\.id), "top5_logits": top5.map { Double($0.logit) },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            let decode = end.timeIntervalSince(firstToken ?? start)
            let perSecond = result.outputIDs.count > 1 ? Double(result.outputIDs.count - 1) / decode : 0
            let summary = String(format: "\n[%d prompt tokens, %d generated, %.1f tokens/s, prompt %.2f s; stop: %@]\n",
                                 ids.count, result.outputIDs.count, perSecond, (firstToken ?? end).timeIntervalSince(start),
                                 result.stopReason.rawValue)
            FileHandle.standardError.write(Data(summary.utf8))
        }
    }
}

/// An adapter folder that could not be applied; ArgumentParser prints it as `Error: …`.
struct AdapterFailure: Error, CustomStringConvertible {
    var folder: String
    var reason: String
    var description: String { "cannot apply the adapter \(folder): \(reason)" }
}

Generate.main()
