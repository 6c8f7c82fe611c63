import Foundation
import Testing
import TestFixtures
@testable import Retrieval
import FineTuning

/// Random `[rows, dimension]` data from a seeded generator.
func randomVectors(_ rows: Int, _ dimension: Int, seed: UInt64) -> Tensor {
    var generator = SplitMix(seed: seed)
    return Tensor((0..<(rows * dimension)).map { _ in Float(generator.nextUnit() * 2 - 1) }, shape: [rows, dimension])
}

/// Exact top-k by sorting every cosine similarity in Double: the reference the index must match.
func bruteForceTopK(_ data: [[Float]], ids: [String], query: [Float], k: Int) -> [(id: String, score: Double)] {
    func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    let qn = norm(query)
    let scored = zip(ids, data).map { id, v in
        (id: id, score: zip(v, query).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (norm(v) * qn))
    }
    return Array(scored.sorted { $0.score > $1.score }.prefix(k))
}

func rows(_ tensor: Tensor) -> [[Float]] {
    let d = tensor.shape[1], flat = tensor.scalars(as: Float.self)
    return (0..<tensor.shape[0]).map { Array(flat[($0 * d)..<(($0 + 1) * d)]) }
}

@Suite struct FlatIndexTests {
    @Test func searchMatchesBruteForce() throws {
        let data = randomVectors(500, 16, seed: 1), queries = randomVectors(7, 16, seed: 2)
        let ids = (0..<500).map { "v\($0)" }
        let index = FlatIndex(dimension: 16)
        try index.upsert(ids: ids, vectors: data)
        let hits = try index.search(queries, k: 10)
        #expect(hits.count == 7)
        for (q, query) in rows(queries).enumerated() {
            let expected = bruteForceTopK(rows(data), ids: ids, query: query, k: 10)
            #expect(hits[q].map(\.id) == expected.map(\.id))
            for (hit, truth) in zip(hits[q], expected) { #expect(abs(Double(hit.score) - truth.score) < 1e-5) }
        }
    }

    @Test func kLargerThanCountReturnsEverythingSorted() throws {
        let index = FlatIndex(dimension: 3)
        try index.upsert(ids: ["a", "b"], vectors: Tensor([1, 0, 0, 0, 1, 0] as [Float], shape: [2, 3]))
        let hits = try index.search(Tensor([2, 1, 0] as [Float], shape: [1, 3]), k: 5)
        #expect(hits[0].map(\.id) == ["a", "b"])
        #expect(abs(hits[0][0].score - 2 / Float(5).squareRoot()) < 1e-6)
        #expect(try FlatIndex(dimension: 3).search(Tensor([1, 0, 0] as [Float], shape: [1, 3]), k: 3) == [[]])
    }

    @Test func upsertReplacesAndRemoveSwapsRows() throws {
        let index = FlatIndex(dimension: 2)
        try index.upsert(ids: ["a", "b", "c", "d"], vectors: Tensor([1, 0, 0, 1, -1, 0, 0, -1] as [Float], shape: [4, 2]))
        try index.upsert(ids: ["b", "e"], vectors: Tensor([1, 0.1, 0.5, 0.5] as [Float], shape: [2, 2]))
        #expect(index.count == 5)
        let east = Tensor([1, 0] as [Float], shape: [1, 2])
        #expect(try index.search(east, k: 2)[0].map(\.id) == ["a", "b"])
        try index.remove(ids: ["a", "c"])
        #expect(index.count == 3)
        #expect(!index.contains("a") && index.contains("d"))
        #expect(try index.search(east, k: 3)[0].map(\.id) == ["b", "e", "d"])
        // Every remaining id still finds its own vector.
        #expect(try index.search(Tensor([0, -1] as [Float], shape: [1, 2]), k: 1)[0].first?.id == "d")
    }

    @Test func badInputsThrowAndLeaveTheIndexUnchanged() throws {
        let index = FlatIndex(dimension: 2)
        try index.upsert(ids: ["a"], vectors: Tensor([1, 0] as [Float], shape: [1, 2]))
        #expect(throws: RetrievalError.dimensionMismatch(expected: 2, shape: [1, 3])) {
            try index.upsert(ids: ["b"], vectors: Tensor([1, 0, 0] as [Float], shape: [1, 3]))
        }
        #expect(throws: RetrievalError.countMismatch(ids: 2, rows: 1)) {
            try index.upsert(ids: ["b", "c"], vectors: Tensor([1, 0] as [Float], shape: [1, 2]))
        }
        #expect(throws: RetrievalError.duplicateID("b")) {
            try index.upsert(ids: ["b", "b"], vectors: Tensor([1, 0, 0, 1] as [Float], shape: [2, 2]))
        }
        #expect(throws: RetrievalError.nonFiniteValue(row: 1)) {
            try index.upsert(ids: ["b", "c"], vectors: Tensor([1, 0, .nan, 1] as [Float], shape: [2, 2]))
        }
        #expect(throws: RetrievalError.unknownID("z")) { try index.remove(ids: ["a", "z"]) }
        #expect(throws: RetrievalError.dimensionMismatch(expected: 2, shape: [2])) {
            try index.search(Tensor([1, 0] as [Float], shape: [2]), k: 1)
        }
        #expect(index.count == 1 && index.ids == ["a"])
    }

    @Test func largeQueryBatchesAreSplitWithoutChangingResults() throws {
        let data = randomVectors(300, 8, seed: 3), queries = randomVectors(40, 8, seed: 4)
        let index = FlatIndex(dimension: 8)
        try index.upsert(ids: (0..<300).map { "v\($0)" }, vectors: data)
        let whole = try index.search(queries, k: 5)
        let unit = try VectorRows(queries, dimension: 8)
        // A score budget of one row per block: 40 separate products.
        let split = index.search(unitQueries: unit.values, count: 40, k: 5, scoreBudget: 300)
        // BLAS may round a one-row product differently in the last bit; the ranking must not change.
        #expect(whole.map { $0.map(\.id) } == split.map { $0.map(\.id) })
        let drift = zip(whole.joined(), split.joined()).map { abs($0.score - $1.score) }.max() ?? 0
        #expect(drift < 1e-6)
    }
}
