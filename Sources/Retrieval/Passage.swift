/// A piece of text to retrieve, under a stable id (a document chunk, a fact, a FAQ answer).
public struct Passage: Codable, Sendable, Equatable, Hashable {
    /// Unique within a ``PassageStore``; updating a passage means upserting the same id.
    public var id: String
    /// The text that is embedded and later shown to the model.
    public var text: String

    /// A passage `text` under `id`.
    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}

/// A passage found for a query, with its cosine similarity to the query.
public struct RetrievedPassage: Sendable, Equatable, Hashable {
    /// The stored passage.
    public var passage: Passage
    /// Cosine similarity between the query's and the passage's embeddings; higher is closer.
    public var score: Float

    /// A retrieved `passage` with `score`.
    public init(passage: Passage, score: Float) {
        self.passage = passage
        self.score = score
    }
}

/// What one ``PassageStore/upsert(_:)`` cost: the answer to "how long does an update take".
public struct UpsertReport: Sendable, Equatable {
    /// Passages embedded and stored.
    public var passages: Int
    /// Seconds spent running the encoder.
    public var embeddingSeconds: Double
    /// Seconds spent updating the index.
    public var indexingSeconds: Double
    /// Both together.
    public var totalSeconds: Double { embeddingSeconds + indexingSeconds }

    /// A report for `passages` passages.
    public init(passages: Int, embeddingSeconds: Double, indexingSeconds: Double) {
        self.passages = passages
        self.embeddingSeconds = embeddingSeconds
        self.indexingSeconds = indexingSeconds
    }
}
