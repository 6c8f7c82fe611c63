import Foundation
import FineTuning

/// The retrieval half of RAG: passages embedded with a `SentenceEmbedder` into a
/// ``VectorIndex``, searched with the embeddings of questions.
///
/// ```swift
/// let store = PassageStore(embedder: try SentenceEmbedder(directory: miniLM))
/// try store.upsert([Passage(id: "boise", text: "Boise is in Idaho, Mountain Time.")])
/// let top = try store.retrieve(["Which state is Boise in?"], k: 3)[0]   // best first
/// try store.save(to: folder)                  // passages.jsonl + the index, as one folder
/// ```
///
/// Upserting an id already stored re-embeds and replaces it (a changed fact); nothing else is
/// recomputed. Not thread-safe.
public final class PassageStore {
    /// Embeds passages and questions.
    public let embedder: SentenceEmbedder
    /// Where the embeddings live; ``FlatIndex`` unless another was given.
    public let index: any VectorIndex
    /// Passages by id.
    public private(set) var passages: [String: Passage]

    /// An empty store over `index` (an empty ``FlatIndex`` of the embedder's width when nil).
    ///
    /// `index` must have the embedder's dimension (384 for all-MiniLM-L6-v2).
    public init(embedder: SentenceEmbedder, index: (any VectorIndex)? = nil) {
        let dimension = embedder.encoder.config.dim
        let index = index ?? FlatIndex(dimension: dimension)
        precondition(index.dimension == dimension,
                     "PassageStore: index dimension \(index.dimension) differs from the embedder's \(dimension)")
        self.embedder = embedder
        self.index = index
        passages = [:]
    }

    /// A store over an index that already holds `passages`' vectors (used when loading).
    init(embedder: SentenceEmbedder, index: any VectorIndex, passages: [String: Passage]) {
        self.embedder = embedder
        self.index = index
        self.passages = passages
    }

    /// Number of passages stored.
    public var count: Int { passages.count }

    /// The passage stored under `id`.
    public func passage(withID id: String) -> Passage? { passages[id] }

    /// Embeds `newPassages` (in the embedder's batches) and adds them, replacing passages with
    /// the same ids.
    ///
    /// - Returns: how long embedding and indexing took.
    /// - Throws: ``RetrievalError/duplicateID(_:)`` when an id appears twice in `newPassages`,
    ///   or what the index throws; the store is then unchanged.
    @discardableResult
    public func upsert(_ newPassages: [Passage]) throws -> UpsertReport {
        try checkUnique(newPassages.map(\.id))
        let clock = ContinuousClock()
        var vectors: Tensor?
        let embedding = clock.measure { vectors = embed(newPassages.map(\.text)) }
        let indexing = try clock.measure {
            try index.upsert(ids: newPassages.map(\.id), vectors: vectors ?? embed([]))
        }
        for passage in newPassages { passages[passage.id] = passage }
        return UpsertReport(passages: newPassages.count, embeddingSeconds: embedding.seconds, indexingSeconds: indexing.seconds)
    }

    /// Removes the passages under `ids`.
    ///
    /// - Throws: ``RetrievalError/unknownID(_:)`` or ``RetrievalError/duplicateID(_:)``; the
    ///   store is then unchanged.
    public func remove(ids: [String]) throws {
        try index.remove(ids: ids)
        for id in ids { passages[id] = nil }
    }

    /// The `k` passages most similar to each query, best first (one list per query, in order).
    public func retrieve(_ queries: [String], k: Int) throws -> [[RetrievedPassage]] {
        guard !queries.isEmpty else { return [] }
        let hits = try index.search(embed(queries), k: k)
        return hits.map { row in
            row.compactMap { hit in passages[hit.id].map { RetrievedPassage(passage: $0, score: hit.score) } }
        }
    }

    /// The embeddings of `texts` as a `[texts.count, dimension]` tensor.
    public func embed(_ texts: [String]) -> Tensor {
        let dimension = index.dimension
        var flat: [Float] = []
        flat.reserveCapacity(texts.count * dimension)
        for vector in embedder.embed(texts) { flat.append(contentsOf: vector) }
        return Tensor(flat, shape: [texts.count, texts.isEmpty ? dimension : flat.count / texts.count])
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

@available(*, unavailable, message: "PassageStore is mutable and not synchronised; use it from one thread at a time")
extension PassageStore: Sendable {}
