import CBLAS
import Dispatch
import FineTuning

/// Exact cosine search over every stored vector: what FAISS's flat index does, and the right
/// choice up to around a million passages.
///
/// Vectors are scaled to unit length on insert and kept in one row-major buffer, so a batch of
/// queries is scored against the whole index by one BLAS matrix product (`queries · vectorsᵀ`);
/// the best `k` of each row are then picked by partial selection (a size-`k` heap), not a sort.
/// Replacing a vector overwrites its row; removing one moves the last row into its place, so
/// neither rebuilds anything.
///
/// ```swift
/// let index = FlatIndex(dimension: 384)
/// try index.upsert(ids: ["paris", "rome"], vectors: embeddings)
/// let hits = try index.search(query, k: 1)          // [[SearchHit(id: "paris", score: 0.83)]]
/// try index.save(to: folder)                        // vectors.safetensors + index.json, atomically
/// let again = try FlatIndex(contentsOf: folder)
/// ```
///
/// Not thread-safe: one writer at a time, and no search during a write.
public final class FlatIndex: VectorIndex {
    /// Length of every vector.
    public let dimension: Int
    /// Ids in row order.
    public private(set) var ids: [String]
    /// Row of each id.
    private var rowOfID: [String: Int]
    /// `count × dimension` unit-length values, row-major.
    private(set) var vectors: [Float]

    /// Most scores held at once while searching (`queries × count`): larger query batches are
    /// split so that the score matrix stays under 128 MiB.
    static let scoreBudget = 1 << 25

    /// An empty index of `dimension`-long vectors.
    public init(dimension: Int) {
        precondition(dimension > 0, "FlatIndex: dimension must be positive, got \(dimension)")
        self.dimension = dimension
        ids = []
        rowOfID = [:]
        vectors = []
    }

    /// An index holding `vectors` (already unit length) under `ids`, which must be unique.
    init(dimension: Int, ids: [String], unitVectors: [Float]) {
        self.dimension = dimension
        self.ids = ids
        vectors = unitVectors
        rowOfID = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
    }

    /// Number of vectors stored.
    public var count: Int { ids.count }

    /// Whether a vector is stored under `id`.
    public func contains(_ id: String) -> Bool { rowOfID[id] != nil }

    /// Adds the rows of `vectors` (`[ids.count, dimension]`) under `ids`; an id already stored
    /// has its row overwritten in place.
    ///
    /// - Throws: ``RetrievalError`` for a shape, count, duplicate-id or non-finite-value problem;
    ///   the index is then unchanged.
    public func upsert(ids newIDs: [String], vectors tensor: Tensor) throws {
        let rows = try VectorRows(tensor, dimension: dimension)
        guard rows.rowCount == newIDs.count else { throw RetrievalError.countMismatch(ids: newIDs.count, rows: rows.rowCount) }
        try checkUnique(newIDs)
        rows.values.withUnsafeBufferPointer { source in
            for (index, id) in newIDs.enumerated() {
                let slice = source[(index * dimension)..<((index + 1) * dimension)]
                if let row = rowOfID[id] {
                    vectors.replaceSubrange((row * dimension)..<((row + 1) * dimension), with: slice)
                } else {
                    rowOfID[id] = ids.count
                    ids.append(id)
                    vectors.append(contentsOf: slice)
                }
            }
        }
    }

    /// Removes the vectors under `ids`; the last rows move into the freed places.
    ///
    /// - Throws: ``RetrievalError/unknownID(_:)`` or ``RetrievalError/duplicateID(_:)``; the
    ///   index is then unchanged.
    public func remove(ids doomed: [String]) throws {
        try checkUnique(doomed)
        var rows: [Int] = []
        rows.reserveCapacity(doomed.count)
        for id in doomed {
            guard let row = rowOfID[id] else { throw RetrievalError.unknownID(id) }
            rows.append(row)
        }
        // Highest row first: the last row, moved into a freed place, is then never one still to remove.
        for row in rows.sorted(by: >) {
            let last = ids.count - 1
            rowOfID[ids[row]] = nil
            if row != last {
                let moved = ids[last]
                ids[row] = moved
                rowOfID[moved] = row
                vectors.withUnsafeMutableBufferPointer { buffer in
                    let base = buffer.baseAddress!
                    (base + row * dimension).update(from: base + last * dimension, count: dimension)
                }
            }
            ids.removeLast()
            vectors.removeLast(dimension)
        }
    }

    /// The `k` stored vectors most similar (cosine) to each row of `queries`, best first.
    ///
    /// - Throws: ``RetrievalError/dimensionMismatch(expected:shape:)`` or
    ///   ``RetrievalError/nonFiniteValue(row:)`` for bad queries.
    public func search(_ queries: Tensor, k: Int) throws -> [[SearchHit]] {
        precondition(k >= 0, "FlatIndex.search: k must not be negative, got \(k)")
        let rows = try VectorRows(queries, dimension: dimension)
        return search(unitQueries: rows.values, count: rows.rowCount, k: k)
    }

    /// Top-`k` for `queryCount` unit-length queries: one matrix product per block of queries
    /// (one block unless the score matrix would exceed ``scoreBudget``), then selection per row.
    func search(unitQueries: [Float], count queryCount: Int, k: Int, scoreBudget: Int = FlatIndex.scoreBudget) -> [[SearchHit]] {
        let n = ids.count, kept = Swift.min(k, n)
        guard kept > 0 else { return [[SearchHit]](repeating: [], count: queryCount) }
        let block = Swift.max(1, Swift.min(queryCount, scoreBudget / n))
        var results = [[SearchHit]](repeating: [], count: queryCount)
        var scores = [Float](repeating: 0, count: block * n)
        for start in stride(from: 0, to: queryCount, by: block) {
            let rows = Swift.min(block, queryCount - start)
            unitQueries.withUnsafeBufferPointer { q in
                vectors.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { c in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(dimension),
                                    1, q.baseAddress! + start * dimension, Int32(dimension),
                                    v.baseAddress!, Int32(dimension), 0, c.baseAddress!, Int32(n))
                    }
                }
            }
            selectTopK(scores: scores, rows: rows, n: n, k: kept, into: &results, at: start)
        }
        return results
    }

    /// Picks each row's best `k`, rows spread over cores when there is enough work.
    private func selectTopK(scores: [Float], rows: Int, n: Int, k: Int, into results: inout [[SearchHit]], at start: Int) {
        let ids = self.ids
        let workers = rows * n >= 1 << 18 ? Swift.min(rows, Threads.kernelThreads) : 1
        results.withUnsafeMutableBufferPointer { output in
            let out = SendablePointer(output.baseAddress! + start)
            scores.withUnsafeBufferPointer { all in
                let base = SendablePointer(UnsafeMutablePointer(mutating: all.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var heap = TopK(k: k)
                    for row in stride(from: worker, to: rows, by: workers) {
                        let picked = heap.select(UnsafeBufferPointer(start: base.pointer + row * n, count: n))
                        out.pointer[row] = picked.map { SearchHit(id: ids[$0.row], score: $0.score) }
                    }
                }
            }
        }
    }
}

/// A pointer handed to `concurrentPerform` workers that write disjoint elements.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

@available(*, unavailable, message: "FlatIndex is mutable and not synchronised; use it from one thread at a time")
extension FlatIndex: Sendable {}
