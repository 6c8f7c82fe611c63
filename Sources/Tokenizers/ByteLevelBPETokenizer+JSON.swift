import Foundation

extension ByteLevelBPETokenizer {
    /// Loads a `tokenizer.json` with a BPE model and byte-level pre-tokenization.
    ///
    /// Merges may be written `"a b"` or `["a", "b"]`.
    /// - Throws: ``TokenizerError`` for a missing file, bad JSON, another model or pre-tokenizer
    ///   type, an `unk_token` missing from the vocabulary, or a merge naming unknown tokens.
    public init(tokenizerJSON url: URL) throws {
        try self.init(json: TokenizerJSON(url: url))
    }

    init(json: TokenizerJSON) throws {
        let path = json.path
        let model = try json.object(json.root, "model", at: "model")
        let type = try json.optionalString(model, "type", at: "model.type") ?? (model["merges"] != nil ? "BPE" : "")
        guard type == "BPE" else { throw TokenizerError.unsupported(path: path, component: "model", type: type) }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try json.optionalString(model, key, at: "model.\(key)"), !value.isEmpty {
                throw TokenizerError.unsupported(path: path, component: "model.\(key)", type: value)
            }
        }
        if try json.optionalBool(model, "byte_fallback", at: "model.byte_fallback") == true {
            throw TokenizerError.unsupported(path: path, component: "model.byte_fallback", type: "true")
        }
        if let (normalizer, _) = try json.componentType("normalizer") {
            throw TokenizerError.unsupported(path: path, component: "normalizer", type: normalizer)
        }
        var prefixSpace = false
        if let (preType, pre) = try json.componentType("pre_tokenizer") {
            guard preType == "ByteLevel", try json.optionalBool(pre, "use_regex", at: "pre_tokenizer.use_regex") ?? true
            else { throw TokenizerError.unsupported(path: path, component: "pre_tokenizer", type: preType) }
            prefixSpace = try json.optionalBool(pre, "add_prefix_space", at: "pre_tokenizer.add_prefix_space") ?? false
        } else {
            throw json.fail("pre_tokenizer", "is missing; a byte-level BPE needs a ByteLevel pre-tokenizer")
        }

        let (vocabulary, ids) = try json.vocabulary(model)
        let added = try json.addedTokens()
        for (index, token) in added.enumerated() where token.id < 0 || token.id >= vocabulary.count + added.count {
            throw json.fail("added_tokens[\(index)].id", "is \(token.id), outside 0..<\(vocabulary.count + added.count)")
        }
        func lookup(_ name: String) -> Int? { added.last { $0.content == name }?.id ?? ids[name] }
        var unknownID: Int?
        if let unk = try json.optionalString(model, "unk_token", at: "model.unk_token") {
            guard let id = lookup(unk) else { throw TokenizerError.missingToken(path: path, token: unk, role: "unknown") }
            unknownID = id
        }
        try self.init(vocabulary: vocabulary, merges: try Self.merges(model, json: json), addedTokens: added,
                      preTokenizer: .gpt2, addPrefixSpace: prefixSpace, unknownID: unknownID,
                      template: try json.template(lookup: lookup),
                      fuseUnknown: try json.optionalBool(model, "fuse_unk", at: "model.fuse_unk") ?? false,
                      ignoreMerges: try json.optionalBool(model, "ignore_merges", at: "model.ignore_merges") ?? false,
                      source: path)
    }

    /// `model.merges`, written `"a b"` or `["a", "b"]`.
    private static func merges(_ model: [String: Any], json: TokenizerJSON) throws -> [(String, String)] {
        guard let raw = model["merges"] as? [Any] else { throw json.fail("model.merges", "is missing or not a list") }
        return try raw.enumerated().map { rank, entry in
            if let text = entry as? String {
                guard let pair = mergePair(from: text) else {
                    throw TokenizerError.invalidMerge(path: json.path, index: rank,
                                                      reason: "'\(text)' is not two tokens separated by one space")
                }
                return pair
            }
            guard let pair = entry as? [String], pair.count == 2 else {
                throw TokenizerError.invalidMerge(path: json.path, index: rank, reason: "is neither \"a b\" nor [a, b]")
            }
            return (pair[0], pair[1])
        }
    }
}
