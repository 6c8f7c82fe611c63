// embed: sentence embeddings from a pretrained BERT-style model (all-MiniLM-L6-v2 by default).
//
//   make model                                    # fetches data/all-MiniLM-L6-v2 once
//   echo "Hello, world!" | swift run --package-path Examples -c release embed --model data/all-MiniLM-L6-v2
//
// Reads sentences one per line from stdin and writes one JSON object per line:
// {"text": ..., "input_ids": [...], "embedding": [...]} — mean pooling over the attention mask,
// then L2 normalisation, as sentence-transformers computes them.
import ArgumentParser
import Foundation
import FineTuning
import TensorKit

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embeds sentences read one per line from stdin; prints one JSON object per line.")

    /// `data/all-MiniLM-L6-v2` of this package (`make model`), wherever the program is started from.
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/all-MiniLM-L6-v2").path

    @Option(help: "Hugging Face model folder (config.json, model.safetensors, tokenizer.json; default: the package's data/all-MiniLM-L6-v2).")
    var model = Embed.defaultModel

    @Option(help: "Sentences per forward pass.")
    var batchSize = 32

    @Option(help: "Longest token sequence, special tokens included; longer sentences are truncated.")
    var maxLength = 128

    @Option(help: "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors, Hugging Face names) to apply to the model.")
    var adapter: String?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard maxLength > 2 else { throw ValidationError("--max-length must be at least 3, got \(maxLength)") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw EmbedError("model folder \(model) not found; `make model` fetches all-MiniLM-L6-v2 into data/all-MiniLM-L6-v2")
        }
        let embedder: SentenceEmbedder
        do {
            embedder = try SentenceEmbedder(directory: folder, maxLength: maxLength, batchSize: batchSize)
        } catch .missingFile(let path) {
            throw EmbedError("\(path) not found; `make model` fetches all-MiniLM-L6-v2 into data/all-MiniLM-L6-v2")
        }
        if let adapter {
            let adapterFolder = URL(fileURLWithPath: adapter)
            guard FileManager.default.fileExists(atPath: adapterFolder.appendingPathComponent("adapter_config.json").path) else {
                throw EmbedError("--adapter: \(adapter)/adapter_config.json not found; expected a PEFT adapter folder")
            }
            try embedder.encoder.loadHuggingFaceAdapter(from: adapterFolder)
        }
        var lines: [String] = []
        var firstLine = 1
        while let line = readLine(strippingNewline: true) {
            lines.append(line)
            if lines.count == batchSize {
                try write(embedder.embedWithTokens(lines), texts: lines, firstLine: firstLine)
                firstLine += lines.count
                lines.removeAll(keepingCapacity: true)
            }
        }
        if !lines.isEmpty { try write(embedder.embedWithTokens(lines), texts: lines, firstLine: firstLine) }
    }

    /// Writes one JSON line per text; refuses (before writing the batch) when an embedding is not
    /// finite, since `nan` is not JSON and a NaN model is broken, not a result.
    private func write(_ results: [(ids: [Int], embedding: [Float])], texts: [String], firstLine: Int) throws {
        if let bad = results.firstIndex(where: { !$0.embedding.allSatisfy(\.isFinite) }) {
            throw EmbedError("the model produced non-finite values (NaN or infinity) for input line \(firstLine + bad); "
                             + "its weights are probably corrupt (\(model))")
        }
        var out = ""
        for (text, result) in zip(texts, results) {
            out += "{\"text\":\(Self.jsonString(text)),\"input_ids\":["
            out += result.ids.map(String.init).joined(separator: ",")
            out += "],\"embedding\":["
            out += result.embedding.map { "\($0)" }.joined(separator: ",")
            out += "]}\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    private static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

struct EmbedError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

Embed.main()
