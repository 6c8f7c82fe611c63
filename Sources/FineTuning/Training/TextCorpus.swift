import Foundation

/// What goes between two documents of a ``TextCorpus``.
public enum DocumentSeparator: Sendable, Equatable {
    /// The tokenizer's end-of-sequence id (`ByteTokenizer`'s 257, GPT-2's `<|endoftext|>`),
    /// or nothing when the tokenizer has none.
    case endOfSequence
    /// This token id.
    case id(Int)
    /// Nothing: documents run into each other.
    case none
}

/// Text files read and tokenised into one stream of token ids, which ``TextBlockDataset`` cuts
/// into training blocks: the data of a language model trained from scratch on your own text.
///
/// A file is read whole. A folder contributes every file whose extension is in
/// `fileExtensions` (searched recursively, hidden files skipped), in sorted path order, so the
/// stream is the same on every machine. Each document is encoded without the tokenizer's
/// special tokens and followed by the separator (by default the end-of-sequence id, as GPT-2
/// and nanoGPT do), so the model sees where a text ends and learns to end its own. Empty files
/// are skipped.
///
/// ```swift
/// let tokenizer = ByteTokenizer()
/// let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: "my-texts"), tokenizer: tokenizer)
/// print(corpus.documents.count, corpus.tokens.count)
/// let blocks = try corpus.blocks(size: 128, validation: 0.1, seed: 0)
/// ```
public struct TextCorpus: Sendable {
    /// One text of the corpus and where its tokens are in ``tokens``.
    public struct Document: Sendable, Equatable {
        /// The file's path relative to the folder read (its name for a single file).
        public var name: String
        /// Its tokens in ``TextCorpus/tokens``, the separator after it not included.
        public var tokenRange: Range<Int>
    }

    /// The name errors use for the whole corpus: the file or folder read.
    public let name: String
    /// Every document's token ids, each followed by the separator (int32 halves the memory of
    /// a large corpus; ids of real vocabularies fit).
    public let tokens: [Int32]
    /// The documents, in stream order.
    public let documents: [Document]
    /// The id after each document, if any.
    public let separatorID: Int?

    /// Reads and tokenises a text file, or the files of a folder.
    ///
    /// - Parameters:
    ///   - url: a text file, or a folder of them.
    ///   - tokenizer: turns each document into ids (`ByteTokenizer` for byte-level models).
    ///   - separator: what follows each document.
    ///   - fileExtensions: the extensions read from a folder (a file named directly is read
    ///     whatever its extension).
    /// - Throws: ``DataError/unreadable(file:reason:)`` naming the file that is missing,
    ///   unreadable or not UTF-8, or the folder with no matching file.
    public init(contentsOf url: URL, tokenizer: any Tokenizer, separator: DocumentSeparator = .endOfSequence,
                fileExtensions: Set<String> = ["txt"]) throws(DataError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DataError.unreadable(file: url.path, reason: "no such file or folder")
        }
        var texts: [(name: String, text: String)] = []
        if isDirectory.boolValue {
            for name in try Self.files(in: url, extensions: fileExtensions) {
                texts.append((name, try TextFile.read(url.appendingPathComponent(name), name: name)))
            }
        } else {
            texts.append((url.lastPathComponent, try TextFile.read(url)))
        }
        self.init(named: url.lastPathComponent, texts: texts, tokenizer: tokenizer, separator: separator)
    }

    /// A corpus of texts held in memory, named `text 1`, `text 2`, ... .
    public init(texts: [String], tokenizer: any Tokenizer, separator: DocumentSeparator = .endOfSequence) {
        self.init(named: "texts", texts: texts.enumerated().map { ("text \($0.offset + 1)", $0.element) },
                  tokenizer: tokenizer, separator: separator)
    }

    private init(named name: String, texts: [(name: String, text: String)], tokenizer: any Tokenizer,
                 separator: DocumentSeparator) {
        let separatorID: Int?
        switch separator {
        case .endOfSequence: separatorID = tokenizer.specialTokens.eos
        case .id(let id):
            precondition((0..<tokenizer.vocabularySize).contains(id),
                         "TextCorpus: separator id \(id) is outside the vocabulary 0..<\(tokenizer.vocabularySize)")
            separatorID = id
        case .none: separatorID = nil
        }
        var tokens: [Int32] = []
        var documents: [Document] = []
        for (name, text) in texts where !text.isEmpty {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            let start = tokens.count
            tokens.append(contentsOf: ids.lazy.map { Int32(truncatingIfNeeded: $0) })
            documents.append(Document(name: name, tokenRange: start..<tokens.count))
            if let separatorID { tokens.append(Int32(separatorID)) }
        }
        self.name = name
        self.tokens = tokens
        self.documents = documents
        self.separatorID = separatorID
    }

    /// The relative paths of the non-hidden regular files under `folder` with one of
    /// `extensions`, sorted.
    private static func files(in folder: URL, extensions: Set<String>) throws(DataError) -> [String] {
        let manager = FileManager.default
        let paths: [String]
        do { paths = try manager.subpathsOfDirectory(atPath: folder.path) } catch {
            throw DataError.unreadable(file: folder.lastPathComponent, reason: error.localizedDescription)
        }
        let names = paths.filter { path in
            var isDirectory: ObjCBool = false
            return extensions.contains((path as NSString).pathExtension)
                && !path.split(separator: "/").contains { $0.hasPrefix(".") }
                && manager.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
        guard !names.isEmpty else {
            let listed = extensions.sorted().map { ".\($0)" }.joined(separator: ", ")
            throw DataError.unreadable(file: folder.lastPathComponent, reason: "the folder holds no \(listed) file")
        }
        return names
    }
}
