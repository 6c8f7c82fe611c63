import Foundation

// A GGUF file carries its tokenizer as metadata under llama.cpp's key names rather than as a
// tokenizer.json. This reads it the way Hugging Face transformers does when it loads a GGUF
// (`integrations/gguf/gguf_tokenizer_mapping.py`), so that both give the same ids.

extension ByteLevelBPETokenizer {
    /// The `tokenizer.ggml.pre` names this reader accepts, and the pattern transformers splits
    /// each with: the names it maps to its Llama 3 or Qwen 2 pattern, and those whose vocabularies
    /// use GPT-2's (transformers gives GPT-2's pattern to every name it does not list).
    public static let ggufPreTokenizers: [String: BPEPreTokenizer] = {
        var table: [String: BPEPreTokenizer] = ["gpt2": .gpt2, "gpt-2": .gpt2, "smollm": .gpt2]
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                     "jina-v5-nano", "dbrx", "smaug-bpe"] { table[name] = .llama3 }
        for name in ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez"] { table[name] = .qwen2 }
        return table
    }()

    /// Builds the tokenizer a GGUF file describes, as transformers does from the same file.
    ///
    /// Reads `tokenizer.ggml.model` (only `gpt2`, byte-level BPE, is supported), `tokens`,
    /// `merges`, `token_type` (control tokens become special added tokens and user-defined ones
    /// plain added tokens, both matched in the text before pre-tokenization), the `bos`, `eos`,
    /// `padding` and `unknown` token ids, `add_bos_token` / `add_eos_token`, and `pre` (see
    /// ``ggufPreTokenizers``; a file without it gets GPT-2's pattern, as in transformers). Bytes the
    /// vocabulary lacks are dropped, since transformers' model has no unknown token either.
    ///
    /// ```swift
    /// let gguf = try GGUFFile(contentsOf: url)
    /// let tokenizer = try ByteLevelBPETokenizer(gguf: gguf)
    /// tokenizer.encode("Hello", addSpecialTokens: true)   // [19556] for SmolLM2
    /// ```
    /// - Throws: `TokenizerError.unsupported(path:component:type:)` naming the key and value
    ///   for another tokenizer model (`llama` is SentencePiece) or an unknown `pre`;
    ///   `TokenizerError.invalidField(path:keyPath:reason:)` for a missing or mistyped key, an
    ///   id outside the vocabulary, a malformed merge or a `token_type` list of another length.
    public init(gguf: GGUFFile) throws {
        let metadata = GGUFTokenizerMetadata(gguf.metadata, path: gguf.url.path)
        let path = metadata.path
        let modelKey = "tokenizer.ggml.model"
        let model = try metadata.string(modelKey)
        guard model == "gpt2" else { throw TokenizerError.unsupported(path: path, component: modelKey, type: model) }
        var preTokenizer = BPEPreTokenizer.gpt2
        if let pre = try metadata.optional("tokenizer.ggml.pre", \.string, "a string") {
            guard let kind = Self.ggufPreTokenizers[pre] else {
                throw TokenizerError.unsupported(path: path, component: "tokenizer.ggml.pre", type: pre)
            }
            preTokenizer = kind
        }

        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let mergesKey = "tokenizer.ggml.merges"
        let merges = try metadata.strings(mergesKey).enumerated().map { index, text in
            guard let pair = Self.mergePair(from: text) else {
                throw metadata.fail("\(mergesKey)[\(index)]", "'\(text)' is not two tokens separated by one space")
            }
            return pair
        }
        let typesKey = "tokenizer.ggml.token_type"
        let types = try metadata.optional(typesKey, \.ints, "an array of integers") ?? []
        if !types.isEmpty && types.count != tokens.count {
            throw metadata.fail(typesKey, "has \(types.count) entries for \(tokens.count) tokens")
        }
        func id(_ key: String) throws -> Int? {
            guard let id = try metadata.optional("tokenizer.ggml.\(key)", \.int, "an integer") else { return nil }
            guard tokens.indices.contains(id) else {
                throw metadata.fail("tokenizer.ggml.\(key)", "is \(id), outside the \(tokens.count) tokens")
            }
            return id
        }
        let (bos, eos, pad, unk) = (try id("bos_token_id"), try id("eos_token_id"),
                                    try id("padding_token_id"), try id("unknown_token_id"))
        let addBOS = try metadata.optional("tokenizer.ggml.add_bos_token", \.bool, "a bool") ?? false
        let addEOS = try metadata.optional("tokenizer.ggml.add_eos_token", \.bool, "a bool") ?? false

        // 3 is CONTROL, 4 USER_DEFINED. transformers skips those not spelled in byte characters
        // (llama.cpp mislabels some); the named special tokens are added as special tokens too.
        var added: [AddedToken] = []
        for (id, type) in types.enumerated() where (type == 3 || type == 4) && Self.isByteLevelSpelling(tokens[id]) {
            added.append(AddedToken(content: tokens[id], id: id, special: type == 3))
        }
        for id in [bos, eos, unk, pad].compactMap({ $0 }) where !added.contains(where: { $0.id == id }) {
            added.append(AddedToken(content: tokens[id], id: id, special: true))
        }
        do {
            try self.init(vocabulary: tokens, merges: merges, addedTokens: added, preTokenizer: preTokenizer,
                          specialTokens: SpecialTokenIDs(pad: pad, unk: unk, bos: bos, eos: eos),
                          template: .sequence(bos: addBOS ? bos : nil, eos: addEOS ? eos : nil), source: path)
        } catch TokenizerError.invalidMerge(_, let index, let reason) {
            throw metadata.fail("\(mergesKey)[\(index)]", reason)
        }
    }
}

extension ChatTemplate {
    /// The chat template a GGUF file carries in `tokenizer.chat_template`; nil when it has none.
    ///
    /// Render it with the tokenizer's special token texts, as transformers does:
    /// ```swift
    /// let tokenizer = try ByteLevelBPETokenizer(gguf: gguf)
    /// if let template = try ChatTemplate(gguf: gguf) {
    ///     let prompt = try template.render(messages: [ChatMessage(role: "user", content: "Hello")],
    ///                                      addGenerationPrompt: true,
    ///                                      bosToken: tokenizer.specialTokens.bos.flatMap(tokenizer.token(forID:)),
    ///                                      eosToken: tokenizer.specialTokens.eos.flatMap(tokenizer.token(forID:)))
    /// }
    /// ```
    /// - Throws: `TokenizerError.invalidField(path:keyPath:reason:)` when the value is not a
    ///   string; `ChatTemplateError` when the template does not parse.
    public init?(gguf: GGUFFile) throws {
        let metadata = GGUFTokenizerMetadata(gguf.metadata, path: gguf.url.path)
        guard let source = try metadata.optional("tokenizer.chat_template", \.string, "a string") else { return nil }
        try self.init(source: source)
    }
}

/// Metadata lookups that throw `TokenizerError`s naming the file and the key.
private struct GGUFTokenizerMetadata {
    let metadata: GGUFMetadata
    let path: String

    init(_ metadata: GGUFMetadata, path: String) {
        self.metadata = metadata
        self.path = path
    }

    func fail(_ key: String, _ reason: String) -> TokenizerError {
        .invalidField(path: path, keyPath: key, reason: reason)
    }

    /// The value at `key` converted by `accessor`; nil when the key is absent.
    func optional<T>(_ key: String, _ accessor: (GGUFValue) -> T?, _ expected: String) throws -> T? {
        guard let value = metadata[key] else { return nil }
        guard let converted = accessor(value) else { throw fail(key, "is not \(expected) (found \(value.type))") }
        return converted
    }

    func string(_ key: String) throws -> String {
        guard let value = try optional(key, \.string, "a string") else { throw fail(key, "is missing") }
        return value
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = try optional(key, \.strings, "an array of strings") else { throw fail(key, "is missing") }
        return value
    }
}
