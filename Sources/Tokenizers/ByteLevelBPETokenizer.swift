import Foundation

/// GPT-2 style byte-level BPE: text is cut by GPT-2's pre-tokenization pattern, each piece's UTF-8
/// bytes start as one token each, and adjacent tokens merge by the rank of their merge rule.
///
/// Loaded from a Hugging Face `tokenizer.json` whose model is `BPE` with a `ByteLevel`
/// pre-tokenizer. Added tokens (`<|endoftext|>`) are recognized in the text first.
///
/// ```swift
/// let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
/// let ids = tokenizer.encode("Hello world", addSpecialTokens: false)
/// tokenizer.decode(ids)  // "Hello world"
/// ```
public struct ByteLevelBPETokenizer: Tokenizer {
    /// Tokens around a sequence when special tokens are added.
    public var template: SpecialTokenTemplate
    /// Special token ids, guessed from the special added tokens' names (`<|endoftext|>` is both
    /// BOS and EOS, as in GPT-2); set them by hand where the guess is wrong.
    public var specialTokens: SpecialTokenIDs
    /// Whether a space is put before text that does not start with one (RoBERTa does this).
    public var addPrefixSpace: Bool

    private let model: BPEModel
    private let tokens: [String]
    private let tokenIDs: [String: Int]
    /// The bytes each id decodes to (added tokens: their UTF-8 content).
    private let idBytes: [[UInt8]]
    private let addedTokens: AddedTokenMatcher

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
        // Added ids extend the vocabulary; a far-off id would make every table that large.
        for (index, token) in added.enumerated() where token.id < 0 || token.id >= vocabulary.count + added.count {
            throw json.fail("added_tokens[\(index)].id", "is \(token.id), outside 0..<\(vocabulary.count + added.count)")
        }
        let size = max(vocabulary.count, (added.map(\.id).max() ?? -1) + 1)
        var names = vocabulary + [String](repeating: "", count: size - vocabulary.count)
        var bytesByID = [[UInt8]](repeating: [], count: size)
        var table = ByteStringTable(minimumCapacity: vocabulary.count)
        for (id, token) in vocabulary.enumerated() {
            // Tokens outside the byte mapping (special tokens kept in the vocabulary) decode as text.
            let bytes = ByteLevelMapping.decode(token) ?? Array(token.utf8)
            bytesByID[id] = bytes
            table.insert(bytes, value: id)
        }
        var allIDs = ids
        for token in added {
            names[token.id] = token.content
            bytesByID[token.id] = Array(token.content.utf8)
            allIDs[token.content] = token.id
        }
        var byteIDs = [Int](repeating: -1, count: 256)
        for byte in 0..<256 { byteIDs[byte] = table.value(for: [UInt8(byte)]) ?? -1 }

        let merges = try Self.merges(model, ids: ids, json: json)
        var unknownID: Int?
        if let unk = try json.optionalString(model, "unk_token", at: "model.unk_token") {
            guard let id = allIDs[unk] else { throw TokenizerError.missingToken(path: path, token: unk, role: "unknown") }
            unknownID = id
        }
        self.model = BPEModel(vocabulary: table, byteIDs: byteIDs, merges: merges, unknownID: unknownID,
                              fuseUnknown: try json.optionalBool(model, "fuse_unk", at: "model.fuse_unk") ?? false,
                              ignoreMerges: try json.optionalBool(model, "ignore_merges", at: "model.ignore_merges") ?? false)
        self.tokens = names
        self.tokenIDs = allIDs
        self.idBytes = bytesByID
        self.addedTokens = AddedTokenMatcher(added)
        self.addPrefixSpace = prefixSpace
        self.template = try json.template { allIDs[$0] }
        let special = added.filter(\.special)
        func find(_ names: [String]) -> Int? {
            for name in names { if let token = special.first(where: { $0.content == name }) { return token.id } }
            return nil
        }
        self.specialTokens = SpecialTokenIDs(
            pad: find(["<pad>", "<|pad|>", "[PAD]", "<|padding|>"]), unk: unknownID,
            cls: find(["<s>", "[CLS]"]), sep: find(["</s>", "[SEP]"]),
            bos: find(["<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"]),
            eos: find(["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"]), mask: find(["<mask>", "[MASK]"]),
            others: Set(special.map(\.id)))
    }

    /// Reads `model.merges` into `left << 32 | right` → `rank << 32 | merged id`.
    private static func merges(_ model: [String: Any], ids: [String: Int],
                               json: TokenizerJSON) throws -> [UInt64: UInt64] {
        guard let raw = model["merges"] as? [Any] else { throw json.fail("model.merges", "is missing or not a list") }
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(raw.count)
        for (rank, entry) in raw.enumerated() {
            let left: String, right: String
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalidMerge(path: json.path, index: rank, reason: "'\(text)' is not two tokens separated by one space")
                }
                (left, right) = (String(parts[0]), String(parts[1]))
            } else if let pair = entry as? [String], pair.count == 2 {
                (left, right) = (pair[0], pair[1])
            } else {
                throw TokenizerError.invalidMerge(path: json.path, index: rank, reason: "is neither \"a b\" nor [a, b]")
            }
            for token in [left, right, left + right] where ids[token] == nil {
                throw TokenizerError.invalidMerge(path: json.path, index: rank,
                                                  reason: "('\(left)', '\(right)') needs '\(token)', which is not in the vocabulary")
            }
            let key = UInt64(ids[left]!) << 32 | UInt64(ids[right]!)
            if merges[key] == nil { merges[key] = UInt64(rank) << 32 | UInt64(ids[left + right]!) }
        }
        return merges
    }

    public var vocabularySize: Int { tokens.count }
    public var specialTokenCount: Int { template.count }

    public func addingSpecialTokens(to ids: [Int]) -> [Int] { template.apply(to: ids) }
    public var pairSpecialTokenCount: Int { template.pairCount }

    public func addingSpecialTokens(to first: [Int], pairedWith second: [Int]) -> (ids: [Int], typeIDs: [Int]) {
        template.apply(to: first, pairedWith: second)
    }

    public func id(forToken token: String) -> Int? { tokenIDs[token] }

    public func token(forID id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecialTokens { ids += template.prefix }
        var text = text
        text.withUTF8 { bytes in
            var segments: [TextSegment] = []
            addedTokens.split(bytes, into: &segments)
            var pieces: [Range<Int>] = []
            var scratch: [Int] = []
            var prefixed: [UInt8] = []
            for segment in segments {
                switch segment {
                case .token(let id):
                    ids.append(id)
                case .text(let range):
                    let segmentBytes = UnsafeBufferPointer(rebasing: bytes[range])
                    if addPrefixSpace && segmentBytes.first != 0x20 {
                        prefixed.removeAll(keepingCapacity: true)
                        prefixed.append(0x20)
                        prefixed.append(contentsOf: segmentBytes)
                        prefixed.withUnsafeBufferPointer { encodeSegment($0, &pieces, &scratch, &ids) }
                    } else {
                        encodeSegment(segmentBytes, &pieces, &scratch, &ids)
                    }
                }
            }
        }
        if addSpecialTokens { ids += template.suffix }
        return ids
    }

    private func encodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ pieces: inout [Range<Int>],
                               _ scratch: inout [Int], _ ids: inout [Int]) {
        pieces.removeAll(keepingCapacity: true)
        GPT2PreTokenizer.split(bytes, into: &pieces)
        for piece in pieces {
            model.encode(UnsafeBufferPointer(rebasing: bytes[piece]), into: &ids, scratch: &scratch)
        }
    }

    /// Concatenates the bytes of the tokens; bytes that do not form valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids where idBytes.indices.contains(id) {
            if skipSpecialTokens && specialTokens.all.contains(id) { continue }
            bytes += idBytes[id]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The GPT-2 spelling of each piece of `text` (`"Ġworld"`), for inspection.
    public func tokenize(_ text: String) -> [String] {
        encode(text, addSpecialTokens: false).map { tokens[$0] }
    }
}
