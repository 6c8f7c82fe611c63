import Foundation

extension WordPieceTokenizer {
    /// Loads a `tokenizer.json` whose model is `WordPiece` (BERT and its descendants).
    ///
    /// Reads the vocabulary, `unk_token`, `continuing_subword_prefix`, `max_input_chars_per_word`,
    /// the `BertNormalizer` settings (`lowercase`, `strip_accents`, `handle_chinese_chars`,
    /// `clean_text`), the added tokens and the post-processor's special tokens.
    /// - Throws: ``TokenizerError`` for a missing file, bad JSON, another model, normalizer or
    ///   pre-tokenizer type, or an unknown token missing from the vocabulary.
    public init(tokenizerJSON url: URL) throws {
        try self.init(json: TokenizerJSON(url: url))
    }

    init(json: TokenizerJSON) throws {
        let path = json.path
        let model = try json.object(json.root, "model", at: "model")
        let type = try json.optionalString(model, "type", at: "model.type") ?? "WordPiece"
        guard type == "WordPiece" else { throw TokenizerError.unsupported(path: path, component: "model", type: type) }

        var basic = BasicTokenizer(lowercase: false, stripAccents: false, handleChineseCharacters: false,
                                   cleanText: false)
        if let (normalizerType, normalizer) = try json.componentType("normalizer") {
            guard normalizerType == "BertNormalizer" else {
                throw TokenizerError.unsupported(path: path, component: "normalizer", type: normalizerType)
            }
            let lowercase = try json.optionalBool(normalizer, "lowercase", at: "normalizer.lowercase") ?? true
            basic = BasicTokenizer(
                lowercase: lowercase,
                stripAccents: try json.optionalBool(normalizer, "strip_accents", at: "normalizer.strip_accents"),
                handleChineseCharacters: try json.optionalBool(
                    normalizer, "handle_chinese_chars", at: "normalizer.handle_chinese_chars") ?? true,
                cleanText: try json.optionalBool(normalizer, "clean_text", at: "normalizer.clean_text") ?? true)
        }
        // Without a pre-tokenizer Hugging Face would not split words at all; refuse rather than differ.
        guard let (preType, _) = try json.componentType("pre_tokenizer") else {
            throw json.fail("pre_tokenizer", "is missing; WordPiece needs a BertPreTokenizer")
        }
        guard preType == "BertPreTokenizer" else {
            throw TokenizerError.unsupported(path: path, component: "pre_tokenizer", type: preType)
        }

        var (vocabulary, ids) = try json.vocabulary(model)
        let added = try json.addedTokens()
        // Added tokens either repeat a vocabulary entry or extend the vocabulary with the next ids.
        for token in added.sorted(by: { $0.id < $1.id }) where ids[token.content] != token.id {
            guard token.id == vocabulary.count, ids[token.content] == nil else {
                throw json.fail("added_tokens", "gives '\(token.content)' id \(token.id), which clashes with model.vocab")
            }
            vocabulary.append(token.content)
            ids[token.content] = token.id
        }
        let template = try json.template { ids[$0] }
        try self.init(
            vocabulary: vocabulary,
            unknownToken: try json.optionalString(model, "unk_token", at: "model.unk_token") ?? "[UNK]",
            continuingSubwordPrefix: try json.optionalString(
                model, "continuing_subword_prefix", at: "model.continuing_subword_prefix") ?? "##",
            maxInputCharactersPerWord: try json.optionalInt(
                model, "max_input_chars_per_word", at: "model.max_input_chars_per_word") ?? 100,
            basicTokenizer: basic, template: template, addedTokens: added, source: path)
    }
}
