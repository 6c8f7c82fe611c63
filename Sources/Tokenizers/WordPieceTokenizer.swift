import Foundation

/// BERT's tokenizer: ``BasicTokenizer`` splits words, then each word is cut greedily into the
/// longest vocabulary pieces from the left, later pieces spelled with the `##` prefix.
///
/// A word longer than `maxInputCharactersPerWord` characters, or one that cannot be cut into
/// vocabulary pieces, becomes the unknown token. Special tokens written in the text (`[MASK]`)
/// are recognized before normalization.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.txt"))
/// tokenizer.encode("unaffable", addSpecialTokens: true)  // [CLS] un ##aff ##able [SEP]
/// ```
public struct WordPieceTokenizer: Tokenizer {
    /// The word splitter run before WordPiece.
    public var basicTokenizer: BasicTokenizer
    /// Tokens around a sequence when special tokens are added.
    public var template: SpecialTokenTemplate
    /// `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]` where the vocabulary has them.
    public var specialTokens: SpecialTokenIDs
    /// The prefix of word-continuing pieces.
    public let continuingSubwordPrefix: String
    /// Longer words become the unknown token without being looked at.
    public let maxInputCharactersPerWord: Int
    /// The unknown token's id.
    public let unknownID: Int

    private let tokens: [String]
    private let tokenIDs: [String: Int]
    /// Every token, as spelled, for pieces that start a word.
    private let wordStarts: ByteStringTable
    /// Tokens that begin with the prefix, stored without it, for pieces inside a word.
    private let continuations: ByteStringTable
    private let addedTokens: AddedTokenMatcher

    /// A WordPiece tokenizer over `vocabulary` (index = id).
    ///
    /// - Throws: ``TokenizerError/missingToken(path:token:role:)`` when `unknownToken` is not in the
    ///   vocabulary, ``TokenizerError/invalidVocabularyLine(path:line:reason:)`` for a duplicate.
    ///   `source` names the file in these errors.
    public init(vocabulary: [String], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharactersPerWord: Int = 100, basicTokenizer: BasicTokenizer = BasicTokenizer(),
                template: SpecialTokenTemplate? = nil, addedTokens: [AddedToken]? = nil,
                source: String = "<vocabulary>") throws {
        var ids: [String: Int] = [:]
        ids.reserveCapacity(vocabulary.count)
        var starts = ByteStringTable(minimumCapacity: vocabulary.count)
        var continuing = ByteStringTable(minimumCapacity: vocabulary.count)
        let prefix = Array(continuingSubwordPrefix.utf8)
        for (id, token) in vocabulary.enumerated() {
            if let first = ids[token] {
                throw TokenizerError.invalidVocabularyLine(
                    path: source, line: id + 1, reason: "duplicate token '\(token)' (first on line \(first + 1))")
            }
            ids[token] = id
            let bytes = Array(token.utf8)
            starts.insert(bytes, value: id)
            if !prefix.isEmpty, bytes.count > prefix.count, bytes.starts(with: prefix) {
                continuing.insert(bytes[prefix.count...], value: id)
            }
        }
        guard let unk = ids[unknownToken] else {
            throw TokenizerError.missingToken(path: source, token: unknownToken, role: "unknown")
        }
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter { ids[$0] != nil }
        let added = addedTokens ?? special.map { AddedToken(content: $0, id: ids[$0]!) }
        let resolvedTemplate: SpecialTokenTemplate
        if let template {
            resolvedTemplate = template
        } else {
            guard let cls = ids["[CLS]"] else {
                throw TokenizerError.missingToken(path: source, token: "[CLS]", role: "classifier")
            }
            guard let sep = ids["[SEP]"] else {
                throw TokenizerError.missingToken(path: source, token: "[SEP]", role: "separator")
            }
            resolvedTemplate = SpecialTokenTemplate(prefix: [cls], suffix: [sep])
        }
        self.basicTokenizer = basicTokenizer
        self.template = resolvedTemplate
        self.specialTokens = SpecialTokenIDs(
            pad: ids["[PAD]"], unk: unk, cls: ids["[CLS]"], sep: ids["[SEP]"], mask: ids["[MASK]"],
            others: Set(added.filter(\.special).map(\.id)))
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.unknownID = unk
        self.tokens = vocabulary
        self.tokenIDs = ids
        self.wordStarts = starts
        self.continuations = continuing
        self.addedTokens = AddedTokenMatcher(added)
    }

    /// Loads a BERT `vocab.txt` (one token per line; the line number minus one is the id).
    ///
    /// - Throws: ``TokenizerError`` for a missing file, text that is not UTF-8, an empty or
    ///   duplicate line (with its line number), or a vocabulary without `[UNK]`, `[CLS]` or `[SEP]`.
    public init(vocabularyFile url: URL, lowercase: Bool = true, stripAccents: Bool? = nil,
                handleChineseCharacters: Bool = true) throws {
        let data = try TokenizerError.readData(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        if let empty = lines.firstIndex(of: "") {
            throw TokenizerError.invalidVocabularyLine(path: url.path, line: empty + 1, reason: "empty token")
        }
        try self.init(vocabulary: lines,
                      basicTokenizer: BasicTokenizer(lowercase: lowercase, stripAccents: stripAccents,
                                                     handleChineseCharacters: handleChineseCharacters),
                      source: url.path)
    }

    public var vocabularySize: Int { tokens.count }
    public var usesTokenTypeIDs: Bool { true }
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
            var normalized: [UInt8] = []
            normalized.reserveCapacity(bytes.count)
            var words: [Range<Int>] = []
            for segment in segments {
                switch segment {
                case .token(let id):
                    ids.append(id)
                case .text(let range):
                    normalized.removeAll(keepingCapacity: true)
                    words.removeAll(keepingCapacity: true)
                    basicTokenizer.split(UnsafeBufferPointer(rebasing: bytes[range]), into: &normalized, words: &words)
                    normalized.withUnsafeBufferPointer { buffer in
                        for word in words { appendPieces(of: UnsafeBufferPointer(rebasing: buffer[word]), to: &ids) }
                    }
                }
            }
        }
        if addSpecialTokens { ids += template.suffix }
        return ids
    }

    /// Greedy longest-match-first WordPiece over one normalized word.
    private func appendPieces(of word: UnsafeBufferPointer<UInt8>, to ids: inout [Int]) {
        var characters = 0
        for byte in word where byte & 0xC0 != 0x80 { characters += 1 }
        if characters > maxInputCharactersPerWord {
            ids.append(unknownID)
            return
        }
        let firstNew = ids.count
        var start = 0
        while start < word.count {
            let table = start == 0 ? wordStarts : continuations
            var end = min(word.count, start + table.maxKeyLength)
            // Never cut inside a character.
            while end < word.count && end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            var found: Int?
            while end > start {
                if let id = table.value(for: UnsafeBufferPointer(rebasing: word[start..<end])) {
                    found = id
                    break
                }
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                ids.removeLast(ids.count - firstNew)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }

    /// Joins pieces the way Hugging Face's WordPiece decoder does: `##` pieces attach to the
    /// previous one, others get a space, and spaces before common punctuation and contractions
    /// are removed.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var text = ""
        var first = true
        for id in ids {
            guard var piece = token(forID: id) else { continue }
            if skipSpecialTokens && specialTokens.all.contains(id) { continue }
            if !first {
                if !continuingSubwordPrefix.isEmpty && piece.hasPrefix(continuingSubwordPrefix) {
                    piece.removeFirst(continuingSubwordPrefix.count)
                } else {
                    piece = " " + piece
                }
            }
            first = false
            text += Self.cleanUp(piece)
        }
        return text
    }

    private static let cleanups: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    private static func cleanUp(_ piece: String) -> String {
        guard piece.hasPrefix(" ") else { return piece }
        var result = piece
        for (from, to) in cleanups { result = result.replacingOccurrences(of: from, with: to) }
        return result
    }
}
