// fuse: merges a PEFT LoRA/DoRA adapter into its base model and writes a GGUF file that llama.cpp,
// transformers and `generate` load like any other.
//
//   swift run --package-path Examples -c release fuse --adapter runs/adapter --output runs/fused.gguf             # F16
//   swift run --package-path Examples -c release fuse --adapter runs/adapter --output runs/fused-q8.gguf --type q8_0
//   swift run --package-path Examples -c release generate --model runs/fused.gguf --chat --prompt "What is the capital of Italy ?"
//
// The base model is loaded in float32, the adapter merged into its weights, and the result written
// with the base file's metadata (tokenizer, chat template, hyperparameters); query and key rows go
// back into llama.cpp's order and the tied head stays tied. The work is `GPT.fuse` in FineTuning.
import ArgumentParser
import Foundation
import FineTuning

struct Fuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Merges a PEFT adapter into a GGUF model and writes a new GGUF file.")

    /// `data/smollm2/…` of this package, wherever the program is started from.
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Option(help: ArgumentHelp("The base GGUF model file (default: what `make llm` fetched).", valueName: "FILE.gguf"))
    var model = Fuse.defaultModel

    @Option(help: ArgumentHelp("The PEFT adapter folder (adapter_config.json + adapter_model.safetensors).", valueName: "DIR"))
    var adapter: String

    @Option(help: ArgumentHelp("The GGUF file to write (replaced atomically).", valueName: "FILE.gguf"))
    var output: String

    @Option(help: ArgumentHelp("The type of the weight matrices: f32, f16, bf16 or q8_0 (norms stay F32).", valueName: "TYPE"))
    var type = "f16"

    /// The GGML type `--type` names.
    var ggmlType: GGMLType? {
        GPT.ggufExportTypes.first { $0.name.lowercased() == type.lowercased() }
    }

    func validate() throws {
        guard ggmlType != nil else {
            throw ValidationError("--type must be one of \(GPT.ggufExportTypes.map { $0.name.lowercased() }.joined(separator: ", ")), got \(type)")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("model file \(model) not found; `make llm` fetches SmolLM2-135M-Instruct into data/smollm2/")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: adapter, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("adapter folder \(adapter) not found")
        }
        guard let ggmlType else { return }   // checked by validate()
        let start = Date()
        let summary = try GPT.fuse(adapter: URL(fileURLWithPath: adapter), into: URL(fileURLWithPath: model),
                                   writingTo: URL(fileURLWithPath: output), type: ggmlType)
        for fallback in summary.fallbacks {
            print("note: \(fallback.tensor) written as \(fallback.type.name): \(fallback.reason)")
        }
        let counts = Dictionary(grouping: summary.tensors, by: \.type.name).map { "\($0.value.count) \($0.key)" }.sorted()
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print(String(format: "wrote %@: %d tensors (%@), %.1f MB, in %.1f s", output, summary.tensors.count,
                     counts.joined(separator: ", "), Double(size) / 1_000_000, Date().timeIntervalSince(start)))
    }
}

Fuse.main()
