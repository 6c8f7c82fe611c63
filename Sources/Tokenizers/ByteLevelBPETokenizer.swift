import Foundation

/// GPT-2 style byte-level BPE: text is cut into words by a pre-tokenization pattern
/// (``BPEPreTokenizer``), each word's UTF-8 bytes start as one token each, and adjacent tokens
/// merge by the rank of their merge rule (in O(n log n) of the word's length).
///
/// Loaded from a Hugging Face `tokenizer.json` whose model is `BPE` with a `ByteLevel`
/// pre-tokenizer, or built from plain values (FineTuning builds it from a GGUF file's metadata).
/// Added tokens (`<|endoftext|>`) are recognized in the text first.
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
    /// How text is cut into words before merging.
    public let preTokenizer: BPEPreTokenizer

    let model: BPEModel
    private let tokens: [String]
    private let tokenIDs: [String: Int]
    /// The bytes each id decodes to (added tokens: their UTF-8 content).
    private let idBytes: [[UInt8]]
    private let addedTokens: AddedTokenMatcher

    /// A tokenizer from plain values, for vocabularies that do not come as a `tokenizer.json`
    /// (a GGUF file's metadata, say).
    ///
    /// - Parameters:
    ///   - vocabulary: The tokens by id, spelled in GPT-2's byte characters (`"Ġworld"`). A token
    ///     with a character outside that alphabet stands for its own UTF-8 bytes.
    ///   - merges: The merge rules, best first (use ``mergePair(from:)`` for `"a b"` strings).
    ///   - addedTokens: Tokens matched in the raw text before pre-tokenization; their ids may
    ///     extend the vocabulary by at most their own number.
    ///   - preTokenizer: The pattern the merges were learned with.
    ///   - addPrefixSpace: Whether a space is put before text that does not start with one.
    ///   - unknownID: The id for bytes the vocabulary lacks; nil drops them.
    ///   - specialTokens: The special token ids; nil guesses them from the special added tokens'
    ///     names. Special added tokens are always among the ids decoding may skip.
    ///   - template: The special tokens put around encoded sequences.
    ///   - fuseUnknown: Whether consecutive unknown bytes become one unknown token.
    ///   - ignoreMerges: Whether a word that is itself a token skips merging.
    ///   - source: Where the values come from (a file path), named in errors.
    /// - Throws: ``TokenizerError/invalidMerge(path:index:reason:)`` for a merge naming tokens the
    ///   vocabulary lacks; ``TokenizerError/invalidField(path:keyPath:reason:)`` for an added token,
    ///   special or template id outside the vocabulary.
    public init(vocabulary: [String], merges: [(String, String)], addedTokens: [AddedToken] = [],
                preTokenizer: BPEPreTokenizer = .gpt2, addPrefixSpace: Bool = false, unknownID: Int? = nil,
                specialTokens: SpecialTokenIDs? = nil, template: SpecialTokenTemplate = .none,
                fuseUnknown: Bool = false, ignoreMerges: Bool = false, source: String = "") throws {
        func fail(_ keyPath: String, _ reason: String) -> TokenizerError {
            .invalidField(path: source, keyPath: keyPath, reason: reason)
        }
        // Added ids extend the vocabulary; a far-off id would make every table that large.
        let limit = vocabulary.count + addedTokens.count
        for (index, token) in addedTokens.enumerated() where token.id < 0 || token.id >= limit {
            throw fail("addedTokens[\(index)].id", "is \(token.id), outside 0..<\(limit)")
        }
        let size = max(vocabulary.count, (addedTokens.map(\.id).max() ?? -1) + 1)
        var names = vocabulary + [String](repeating: "", count: size - vocabulary.count)
        var bytesByID = [[UInt8]](repeating: [], count: size)
        var table = ByteStringTable(minimumCapacity: vocabulary.count)
        var ids: [String: Int] = [:]
        ids.reserveCapacity(size)
        for (id, token) in vocabulary.enumerated() {
            // Tokens outside the byte mapping (special tokens kept in the vocabulary) decode as text.
            let bytes = ByteLevelMapping.decode(token) ?? Array(token.utf8)
            bytesByID[id] = bytes
            table.insert(bytes, value: id)
            ids[token] = id
        }
        let vocabularyIDs = ids
        for token in addedTokens {
            names[token.id] = token.content
            bytesByID[token.id] = Array(token.content.utf8)
            ids[token.content] = token.id
        }
        var byteIDs = [Int](repeating: -1, count: 256)
        for byte in 0..<256 { byteIDs[byte] = table.value(for: [UInt8(byte)]) ?? -1 }

        var rules: [UInt64: UInt64] = [:]
        rules.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftID = vocabularyIDs[left], let rightID = vocabularyIDs[right],
                  let mergedID = vocabularyIDs[left + right] else {
                let missing = [left, right, left + right].first { vocabularyIDs[$0] == nil } ?? left
                throw TokenizerError.invalidMerge(path: source, index: rank,
                                                  reason: "('\(left)', '\(right)') needs '\(missing)', which is not in the vocabulary")
            }
            let key = BPEMerger.pairKey(leftID, rightID)
            if rules[key] == nil { rules[key] = UInt64(rank) << 32 | UInt64(mergedID) }
        }
        let special = addedTokens.filter(\.special)
        func find(_ names: [String]) -> Int? {
            for name in names { if let token = special.first(where: { $0.content == name }) { return token.id } }
            return nil
        }
        var specialIDs = specialTokens ?? SpecialTokenIDs(
            pad: find(["<pad>", "<|pad|>", "[PAD]", "<|padding|>"]), unk: unknownID,
            cls: find(["<s>", "[CLS]"]), sep: find(["</s>", "[SEP]"]),
            bos: find(["<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"]),
            eos: find(["</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"]), mask: find(["<mask>", "[MASK]"]))
        specialIDs.all.formUnion(special.map(\.id))
        for id in specialIDs.all.union([unknownID].compactMap { $0 }) where !(0..<size).contains(id) {
            throw fail("specialTokens", "id \(id) is outside the vocabulary (0..<\(size))")
        }
        let templateIDs = template.prefix + template.suffix + template.pair.flatMap { piece -> [Int] in
            if case .special(let ids, _) = piece { return ids }
            return []
        }
        for id in templateIDs where !(0..<size).contains(id) {
            throw fail("template", "id \(id) is outside the vocabulary (0..<\(size))")
        }
        self.model = BPEModel(vocabulary: table, byteIDs: byteIDs, merges: rules, unknownID: unknownID,
                              fuseUnknown: fuseUnknown, ignoreMerges: ignoreMerges)
        self.tokens = names
        self.tokenIDs = ids
        self.idBytes = bytesByID
        self.addedTokens = AddedTokenMatcher(addedTokens)
        self.preTokenizer = preTokenizer
        self.addPrefixSpace = addPrefixSpace
        self.template = template
        self.specialTokens = specialIDs
    }

    /// Whether every character of `token` is one of GPT-2's 256 byte characters, as the tokens of
    /// a byte-level vocabulary are (special tokens such as `<|endoftext|>` included).
    public static func isByteLevelSpelling(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy { ByteLevelMapping.bytes[$0] != nil }
    }

    /// The two tokens of a merge written `"a b"`; nil unless there is exactly one space.
    public static func mergePair(from text: String) -> (String, String)? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
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
            var merger = BPEMerger()
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
                        prefixed.withUnsafeBufferPointer { encodeSegment($0, &pieces, &merger, &ids) }
                    } else {
                        encodeSegment(segmentBytes, &pieces, &merger, &ids)
                    }
                }
            }
        }
        if addSpecialTokens { ids += template.suffix }
        return ids
    }

    private func encodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ pieces: inout [Range<Int>],
                               _ merger: inout BPEMerger, _ ids: inout [Int]) {
        pieces.removeAll(keepingCapacity: true)
        preTokenizer.split(bytes, into: &pieces)
        for piece in pieces {
            model.encode(UnsafeBufferPointer(rebasing: bytes[piece]), into: &ids, merger: &merger)
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
