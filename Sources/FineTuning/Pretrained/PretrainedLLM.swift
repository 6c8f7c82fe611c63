import Foundation
import TensorKit

/// A pretrained language model from one GGUF file: the ``GPT`` with its weights, the tokenizer
/// and the chat template the file carries, and the tokens that end a turn.
///
/// Weights load as float32 (every linear layer trainable, for full fine-tuning), or with
/// `quantized: true` the projections of every block keep their GGUF blocks in
/// ``QuantizedLinear`` layers (about the file's size in memory; frozen, adapters attach as
/// usual), and a tied embedding stored quantized in the file stays in its blocks too
/// (``QuantizedEmbedding``: the input table and the output head, frozen). Norms are float32
/// either way.
///
/// ```swift
/// let llm = try PretrainedLLM(contentsOf: URL(fileURLWithPath: "data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
/// let prompt = try llm.chatPrompt(user: "Hello")
/// let result = TextGenerator(model: llm.model, tokenizer: llm.tokenizer, stopTokens: llm.stopTokens)
///     .generate(promptIDs: llm.tokenizer.encode(prompt, addSpecialTokens: true), maxNewTokens: 32)
/// print(result.text)   // "Hello! How can I assist you today?"
/// ```
public struct PretrainedLLM {
    /// The model, in evaluation mode.
    public let model: GPT
    /// The tokenizer of the file (`tokenizer.ggml.*`).
    public let tokenizer: ByteLevelBPETokenizer
    /// The file's chat template, if it has one.
    public let chatTemplate: ChatTemplate?
    /// The ids that end generation: the end-of-sequence id (ChatML models end their turn with it).
    public let stopTokens: Set<Int>
    /// The file it was loaded from.
    public let url: URL

    /// Loads model, tokenizer and chat template from the GGUF file at `url`.
    ///
    /// - Parameters:
    ///   - url: a llama-architecture GGUF file.
    ///   - quantized: keep the blocks' projections in their GGUF blocks instead of float32.
    /// - Throws: ``GGUFModelError`` for the model, `TokenizerError`/`GGUFError` for the tokenizer,
    ///   ``PretrainedError/tokenizerMismatch(tokenizer:model:reason:)`` when the tokenizer's ids
    ///   do not fit the embedding.
    public init(contentsOf url: URL, quantized: Bool = false) throws {
        let file: GGUFFile
        do { file = try GGUFFile(contentsOf: url) } catch { throw GGUFModelError.unreadable(error) }
        let model: GPT
        var projectionCount = 0
        if quantized {
            // The projections become blocks, so their float32 values are never decoded.
            var config = try GPTConfig(gguf: file)
            config.dtype = .float32
            model = withoutRandomInitialization { GPT(config) }
            let projections = model.namedModules().filter { $0.name.hasPrefix("layers.") && $0.module is Linear }
            var unfilled = Set(projections.map { $0.name + ".weight" })
            if Self.tiedTableBlocks(of: model, in: file) != nil { unfilled.insert("tokenEmbedding.weight") }
            try model.loadGGUFWeights(from: file, leavingUnfilled: unfilled)
            projectionCount = projections.count
        } else {
            model = try GPT.pretrained(gguf: file)
        }
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        try TokenizerCompatibility(vocabularySize: model.config.vocabularySize)
            .check(tokenizer, tokenizerFile: url.path, modelFile: url.path)
        if quantized {
            let replaced = try Self.quantizeProjections(of: model, from: file)
            // The loader checked every projection's name and shape, so each one has its blocks;
            // one left float would hold the zeros it was never filled with.
            precondition(replaced == projectionCount,
                         "PretrainedLLM: \(replaced) of \(projectionCount) projections quantized in \(url.path)")
            try Self.quantizeTiedEmbedding(of: model, from: file)
        }
        model.eval()
        self.model = model
        self.tokenizer = tokenizer
        self.chatTemplate = try ChatTemplate(gguf: file)
        self.stopTokens = Set([tokenizer.specialTokens.eos].compactMap { $0 })
        self.url = url
    }

    /// The prompt text of one user turn (after an optional system turn) in the chat template,
    /// with the assistant's turn opened, as `apply_chat_template(..., add_generation_prompt=True)`.
    ///
    /// - Throws: `ChatTemplateError` from the template; ``GGUFModelError`` when the file has none.
    public func chatPrompt(user: String, system: String? = nil) throws -> String {
        var messages: [ChatMessage] = []
        if let system { messages.append(ChatMessage(role: "system", content: system)) }
        messages.append(ChatMessage(role: "user", content: user))
        return try chatPrompt(messages, addGenerationPrompt: true)
    }

    /// `messages` rendered with the file's chat template.
    public func chatPrompt(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        guard let chatTemplate else {
            throw GGUFModelError.invalidMetadata(file: url.path, key: "tokenizer.chat_template", value: "absent",
                                                 reason: "the file has no chat template")
        }
        let bos = tokenizer.specialTokens.bos.flatMap(tokenizer.token(forID:))
        let eos = tokenizer.specialTokens.eos.flatMap(tokenizer.token(forID:))
        return try chatTemplate.render(messages: messages, addGenerationPrompt: addGenerationPrompt, bosToken: bos, eosToken: eos)
    }

    /// Replaces every block projection by a ``QuantizedLinear`` holding the file's blocks (query
    /// and key rows moved from llama.cpp's order to the one the float model uses).
    /// - Returns: how many projections were replaced.
    @discardableResult
    static func quantizeProjections(of model: GPT, from file: GGUFFile) throws -> Int {
        let heads = model.config.heads, kvHeads = model.config.kvHeads ?? model.config.heads
        var failure: Error?
        let replaced = model.quantizeLinears { path, linear -> QuantizedTensor? in
            guard failure == nil, path.hasPrefix("layers."), let name = GGUFNameMapping.ggufName(forOurs: path + ".weight") else {
                return nil
            }
            do {
                var blocks = try file.quantizedTensor(named: name)
                guard blocks.shape == linear.weight.shape else { return nil }   // the loader checked; keep float otherwise
                if path.hasSuffix("attention.query") || path.hasSuffix("attention.key") {
                    let groups = path.hasSuffix("attention.query") ? heads : kvHeads
                    blocks = blocks.reorderingRows(GGUFQueryKeyPermutation.ggufRows(rows: blocks.rowCount, heads: groups))
                }
                return blocks
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return replaced
    }
}

extension PretrainedLLM {
    /// The GGUF name of the embedding table when a quantized model keeps it in its blocks: a tied
    /// head (the table is read for every logit) stored smaller than float32 at the model's shape.
    static func tiedTableBlocks(of model: GPT, in file: GGUFFile) -> String? {
        guard model.config.tiedHead, let name = GGUFNameMapping.ggufName(forOurs: "tokenEmbedding.weight"),
              let info = file.info(named: name), info.type != .f32, info.type.isDequantizable,
              info.shape == [model.config.vocabularySize, model.config.dim] else { return nil }
        return name
    }

    /// Replaces the float embedding of a tied model by a ``QuantizedEmbedding`` of the file's
    /// blocks (``tiedTableBlocks(of:in:)``), so the table and the head that reads it stay at
    /// the file's size (Q8_0: a quarter of float32) and frozen.
    static func quantizeTiedEmbedding(of model: GPT, from file: GGUFFile) throws {
        guard let name = tiedTableBlocks(of: model, in: file) else { return }
        model.tokenEmbedding = QuantizedEmbedding(weight: try file.quantizedTensor(named: name))
    }
}

extension QuantizedTensor {
    /// A copy whose row `r` is row `order[r]` of this one (rows are whole blocks, so they move
    /// as bytes).
    func reorderingRows(_ order: [Int]) -> QuantizedTensor {
        precondition(order.count == rowCount && order.allSatisfy { (0..<rowCount).contains($0) },
                     "QuantizedTensor.reorderingRows: \(order.count) indices for \(rowCount) rows")
        let rowBytes = rowByteCount
        let storage = Storage(byteCount: byteCount)
        withUnsafeBlocks { source in
            for (r, from) in order.enumerated() {
                (storage.pointer + r * rowBytes).copyMemory(from: source + from * rowBytes, byteCount: rowBytes)
            }
        }
        return QuantizedTensor(type: type, shape: shape, storage: storage)
    }
}
