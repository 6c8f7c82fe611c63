import Foundation
import FineTuning

extension PassageStore {
    /// The file of passages: one JSON object `{"id": ..., "text": ...}` per line, in index order.
    public static let passagesName = "passages.jsonl"

    /// Writes the passages (`passages.jsonl`) and the index's files into `directory` as one unit:
    /// they go to a temporary sibling folder that then replaces `directory`, so a reader (or a
    /// crash mid-save) sees the old store or the new one, never passages of one beside vectors of
    /// the other.
    ///
    /// - Throws: ``RetrievalError/notPersistable(index:)`` when the index is not a
    ///   ``PersistentVectorIndex``; `AtomicFileError` when the file system fails.
    public func save(to directory: URL, durable: Bool = true) throws {
        guard let persistent = index as? any PersistentVectorIndex else {
            throw RetrievalError.notPersistable(index: String(describing: type(of: index)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for id in passages.keys.sorted() {
            guard let passage = passages[id] else { continue }
            bytes += try encoder.encode(passage)
            bytes.append(UInt8(ascii: "\n"))
        }
        try AtomicFolder.write(to: directory, durable: durable) { folder in
            try persistent.writeFiles(into: folder)
            try AtomicFile.write(bytes, to: folder.appendingPathComponent(Self.passagesName), durable: false)
        }
    }

    /// Reads a store saved by ``save(to:durable:)``, with `embedder` for new passages and
    /// questions (it must be the embedder the vectors were made with).
    ///
    /// - Parameters:
    ///   - directory: the saved folder.
    ///   - embedder: embeds later passages and queries.
    ///   - indexType: the index type that was saved (``FlatIndex`` by default).
    /// - Throws: ``RetrievalError`` naming the file: a malformed line of `passages.jsonl`, a
    ///   passage id twice, passages that do not match the index's ids, or an index error.
    public convenience init(contentsOf directory: URL, embedder: SentenceEmbedder,
                            indexType: any PersistentVectorIndex.Type = FlatIndex.self) throws {
        let index = try indexType.read(from: directory)
        guard index.dimension == embedder.encoder.config.dim else {
            throw RetrievalError.corruptFile(file: directory.path, reason: "the index has dimension \(index.dimension), "
                                             + "the embedder produces \(embedder.encoder.config.dim)")
        }
        let url = directory.appendingPathComponent(Self.passagesName)
        let passages = try Self.readPassages(url)
        guard passages.count == index.count else {
            throw RetrievalError.corruptFile(file: url.path, reason: "\(passages.count) passages for \(index.count) indexed vectors")
        }
        if let flat = index as? FlatIndex, let missing = flat.ids.first(where: { passages[$0] == nil }) {
            throw RetrievalError.corruptFile(file: url.path, reason: "no passage for indexed id '\(missing)'")
        }
        self.init(embedder: embedder, index: index, passages: passages)
    }

    /// The passages of a JSONL file, by id.
    static func readPassages(_ url: URL) throws(RetrievalError) -> [String: Passage] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .missingFile(file: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        var passages: [String: Passage] = [:]
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            let passage: Passage
            do { passage = try decoder.decode(Passage.self, from: Data(line)) } catch {
                throw .corruptFile(file: url.path, reason: "line \(lineNumber): not a passage object {\"id\", \"text\"}: \(error)")
            }
            guard passages.updateValue(passage, forKey: passage.id) == nil else {
                throw .corruptFile(file: url.path, reason: "line \(lineNumber): passage id '\(passage.id)' appears more than once")
            }
        }
        return passages
    }
}
