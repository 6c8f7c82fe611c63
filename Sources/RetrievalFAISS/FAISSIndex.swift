import CFAISSShim
import FineTuning
import Retrieval

/// A `VectorIndex` backed by FAISS (Debian's `libfaiss-dev`), for collections where exact
/// search over every vector (`FlatIndex`) becomes too slow.
///
/// ```swift
/// let index = try FAISSIndex(dimension: 384, kind: .hnsw(m: 32, efSearch: 64))
/// try index.upsert(ids: ids, vectors: embeddings)
/// let hits = try index.search(queries, k: 10)
/// let quality = try recall(at: 10, of: index, against: exact, queries: queries)   // vs FlatIndex
/// ```
///
/// Vectors are scaled to unit length and compared by inner product, so scores are cosine
/// similarities as with `FlatIndex`. String ids map to 64-bit FAISS labels; replacing a vector
/// removes its old label and adds a new one. An IVF index learns its cells from the first
/// upsert (which must hold at least as many vectors as it has lists) unless
/// ``train(on:)`` was called first. HNSW graphs cannot drop nodes: removed vectors stay in
/// memory, marked deleted and skipped while searching, until the index is rebuilt.
///
/// Not thread-safe: one writer at a time, and no search during a write.
public final class FAISSIndex: VectorIndex {
    /// The FAISS index type and its search settings.
    public enum Kind: Sendable, Equatable {
        /// Exact search (FAISS `IndexFlatIP`): the same results as `FlatIndex`.
        case flat
        /// A navigable small-world graph (`IndexHNSWFlat`): `m` links per node; `efSearch`
        /// candidates kept while searching (higher: better recall, slower).
        case hnsw(m: Int = 32, efSearch: Int = 64)
        /// An inverted file (`IndexIVFFlat`) of `lists` k-means cells, of which the `probes`
        /// nearest to a query are searched (higher: better recall, slower).
        case ivfFlat(lists: Int, probes: Int)
    }

    /// Length of every vector.
    public let dimension: Int
    /// The FAISS index type.
    public let kind: Kind
    private let handle: OpaquePointer
    private var labelOfID: [String: Int64] = [:]
    private var idOfLabel: [Int64: String] = [:]
    private var nextLabel: Int64 = 0

    /// An empty index of `dimension`-long vectors.
    ///
    /// - Throws: `RetrievalError.backend(operation:reason:)` when FAISS refuses the settings.
    public init(dimension: Int, kind: Kind = .flat) throws {
        precondition(dimension > 0, "FAISSIndex: dimension must be positive, got \(dimension)")
        self.dimension = dimension
        self.kind = kind
        var error = FAISSErrorBuffer()
        let created: OpaquePointer? = error.withBuffer { buffer, capacity in
            switch kind {
            case .flat:
                return cfaiss_new_flat(Int32(dimension), buffer, capacity)
            case let .hnsw(m, efSearch):
                precondition(m > 1 && efSearch > 0, "FAISSIndex: HNSW needs m > 1 and efSearch > 0, got \(m), \(efSearch)")
                return cfaiss_new_hnsw(Int32(dimension), Int32(m), Int32(Swift.max(40, efSearch)), Int32(efSearch), buffer, capacity)
            case let .ivfFlat(lists, probes):
                precondition(lists > 0 && probes > 0, "FAISSIndex: IVF needs lists > 0 and probes > 0, got \(lists), \(probes)")
                return cfaiss_new_ivf_flat(Int32(dimension), Int32(lists), Int32(Swift.min(probes, lists)), buffer, capacity)
            }
        }
        guard let created else { throw RetrievalError.backend(operation: "creating a FAISS \(kind) index", reason: error.message) }
        handle = created
    }

    deinit { cfaiss_free(handle) }

    /// Number of vectors stored (removed ones excluded).
    public var count: Int { labelOfID.count }

    /// Whether the index can take vectors: false only for an IVF index not trained yet.
    public var isTrained: Bool { cfaiss_is_trained(handle) != 0 }

    /// Learns an IVF index's cells from `vectors` (`[n, dimension]`, n ≥ lists; a few thousand
    /// representative vectors are enough). Other kinds need no training.
    public func train(on vectors: Tensor) throws {
        let rows = try VectorRows(vectors, dimension: dimension)
        try train(rows)
    }

    /// Adds the rows of `vectors` under `ids`, replacing the vectors of ids already stored.
    ///
    /// - Throws: `RetrievalError` for a shape, count, duplicate-id or non-finite-value problem,
    ///   or an IVF index asked to learn its cells from too few vectors; the index is then unchanged.
    public func upsert(ids: [String], vectors: Tensor) throws {
        let rows = try VectorRows(vectors, dimension: dimension)
        guard rows.rowCount == ids.count else { throw RetrievalError.countMismatch(ids: ids.count, rows: rows.rowCount) }
        try checkUnique(ids)
        guard !ids.isEmpty else { return }
        if !isTrained { try train(rows) }
        let replaced = ids.compactMap { labelOfID[$0] }
        if !replaced.isEmpty { try call("removing replaced vectors") { cfaiss_remove(handle, Int64(replaced.count), replaced, $0, $1) } }
        for label in replaced { idOfLabel[label] = nil }
        let labels = (0..<Int64(ids.count)).map { nextLabel + $0 }
        try call("adding vectors") { cfaiss_add(handle, Int64(ids.count), rows.values, labels, $0, $1) }
        nextLabel += Int64(ids.count)
        for (id, label) in zip(ids, labels) {
            labelOfID[id] = label
            idOfLabel[label] = id
        }
    }

    /// Removes the vectors under `ids`.
    ///
    /// - Throws: `RetrievalError.unknownID(_:)` or `RetrievalError.duplicateID(_:)`; the
    ///   index is then unchanged.
    public func remove(ids: [String]) throws {
        try checkUnique(ids)
        var labels: [Int64] = []
        labels.reserveCapacity(ids.count)
        for id in ids {
            guard let label = labelOfID[id] else { throw RetrievalError.unknownID(id) }
            labels.append(label)
        }
        guard !labels.isEmpty else { return }
        try call("removing vectors") { cfaiss_remove(handle, Int64(labels.count), labels, $0, $1) }
        for (id, label) in zip(ids, labels) {
            labelOfID[id] = nil
            idOfLabel[label] = nil
        }
    }

    /// The (up to) `k` stored vectors most similar to each row of `queries`, best first.
    /// Approximate for HNSW and IVF: compare with `FlatIndex` through `recall(at:of:against:queries:)`.
    public func search(_ queries: Tensor, k: Int) throws -> [[SearchHit]] {
        precondition(k >= 0, "FAISSIndex.search: k must not be negative, got \(k)")
        let rows = try VectorRows(queries, dimension: dimension)
        let kept = Swift.min(k, count)
        guard kept > 0, rows.rowCount > 0 else { return [[SearchHit]](repeating: [], count: rows.rowCount) }
        var scores = [Float](repeating: 0, count: rows.rowCount * kept)
        var labels = [Int64](repeating: -1, count: rows.rowCount * kept)
        try call("searching") { cfaiss_search(handle, Int64(rows.rowCount), rows.values, Int64(kept), &scores, &labels, $0, $1) }
        return (0..<rows.rowCount).map { query in
            (query * kept..<(query + 1) * kept).compactMap { slot in
                idOfLabel[labels[slot]].map { SearchHit(id: $0, score: scores[slot]) }
            }
        }
    }

    private func train(_ rows: VectorRows) throws {
        if case let .ivfFlat(lists, _) = kind, rows.rowCount < lists {
            throw RetrievalError.backend(operation: "training an IVF index",
                                         reason: "\(lists) lists need at least \(lists) vectors, got \(rows.rowCount)")
        }
        try call("training") { cfaiss_train(handle, Int64(rows.rowCount), rows.values, $0, $1) }
    }

    /// Runs a shim call that reports failure as -1 and a message.
    private func call(_ operation: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var error = FAISSErrorBuffer()
        let status = error.withBuffer { body($0, $1) }
        if status != 0 { throw RetrievalError.backend(operation: "FAISS \(operation)", reason: error.message) }
    }
}

/// Room for a FAISS error message.
struct FAISSErrorBuffer {
    private var bytes = [CChar](repeating: 0, count: 1024)

    mutating func withBuffer<R>(_ body: (UnsafeMutablePointer<CChar>, Int) -> R) -> R {
        bytes.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    }

    var message: String {
        let text = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "no message" : text
    }
}

@available(*, unavailable, message: "FAISSIndex is mutable and not synchronised; use it from one thread at a time")
extension FAISSIndex: Sendable {}
