/// One result of a vector search: the id of a stored vector and how close it is to the query.
public struct SearchHit: Sendable, Equatable, Hashable {
    /// The id the vector was stored under (see ``VectorIndex/upsert(ids:vectors:)``).
    public var id: String
    /// Cosine similarity between the query and the stored vector, in [-1, 1]; higher is closer.
    public var score: Float

    /// A hit for `id` with similarity `score`.
    public init(id: String, score: Float) {
        self.id = id
        self.score = score
    }
}
