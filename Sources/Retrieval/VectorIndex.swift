import FineTuning

/// A store of fixed-length vectors under string ids, searched by cosine similarity.
///
/// Vectors and queries are `[n, dimension]` tensors (float32, or another float dtype that is
/// converted); vectors need not be unit length: implementations compare directions only.
/// ``FlatIndex`` is the exact, dependency-free implementation; the `RetrievalFAISS` product adds
/// approximate ones (HNSW, IVF) behind the same protocol.
///
/// ```swift
/// let index: any VectorIndex = FlatIndex(dimension: 384)
/// try index.upsert(ids: ["a", "b"], vectors: embeddings)        // [2, 384]
/// let hits = try index.search(queries, k: 5)                     // one [SearchHit] per query row
/// ```
public protocol VectorIndex: AnyObject {
    /// Length of every vector.
    var dimension: Int { get }
    /// Number of vectors stored.
    var count: Int { get }

    /// Adds the rows of `vectors` under `ids`, replacing the vector of an id already stored.
    ///
    /// - Throws: ``RetrievalError`` when `vectors` is not `[ids.count, dimension]`, an id appears
    ///   twice in `ids`, or a value is not finite; the index is then unchanged.
    func upsert(ids: [String], vectors: Tensor) throws

    /// Removes the vectors stored under `ids`.
    ///
    /// - Throws: ``RetrievalError/unknownID(_:)`` for an id not stored and
    ///   ``RetrievalError/duplicateID(_:)`` for one given twice; the index is then unchanged.
    func remove(ids: [String]) throws

    /// The `k` stored vectors closest to each row of `queries` (`[q, dimension]`), best first;
    /// fewer than `k` when fewer are stored.
    func search(_ queries: Tensor, k: Int) throws -> [[SearchHit]]
}
