import Foundation
import Testing
import TestFixtures
import FineTuning
import Retrieval
import RetrievalFAISS

/// Vectors around `clusters` random centres (as embeddings of related texts are), seeded.
func clusteredVectors(_ rows: Int, _ dimension: Int, clusters: Int, seed: UInt64) -> Tensor {
    var generator = SplitMix(seed: seed)
    let centres = (0..<(clusters * dimension)).map { _ in Float(generator.nextUnit() * 2 - 1) }
    var values = [Float](repeating: 0, count: rows * dimension)
    for row in 0..<rows {
        let centre = Int(generator.next() % UInt64(clusters))
        for j in 0..<dimension {
            values[row * dimension + j] = centres[centre * dimension + j] + Float(generator.nextUnit() - 0.5) * 0.8
        }
    }
    return Tensor(values, shape: [rows, dimension])
}

@Suite struct FAISSIndexTests {
    static let dimension = 32
    static var data: Tensor { clusteredVectors(4000, dimension, clusters: 40, seed: 11) }
    static var queries: Tensor { clusteredVectors(100, dimension, clusters: 40, seed: 12) }
    static let ids = (0..<4000).map { "p\($0)" }

    static func exactIndex() throws -> FlatIndex {
        let index = FlatIndex(dimension: dimension)
        try index.upsert(ids: ids, vectors: data)
        return index
    }

    @Test func exactFAISSAgreesWithFlatIndex() throws {
        let faiss = try FAISSIndex(dimension: Self.dimension, kind: .flat)
        try faiss.upsert(ids: Self.ids, vectors: Self.data)
        let ours = try Self.exactIndex().search(Self.queries, k: 10)
        let theirs = try faiss.search(Self.queries, k: 10)
        #expect(ours.map { $0.map(\.id) } == theirs.map { $0.map(\.id) })
        let drift = zip(ours.joined(), theirs.joined()).map { abs($0.score - $1.score) }.max() ?? 1
        #expect(drift < 1e-5)
    }

    @Test(arguments: [FAISSIndex.Kind.hnsw(m: 16, efSearch: 64), .ivfFlat(lists: 40, probes: 8)])
    func approximateRecallAtTen(kind: FAISSIndex.Kind) throws {
        let index = try FAISSIndex(dimension: Self.dimension, kind: kind)
        try index.upsert(ids: Self.ids, vectors: Self.data)
        let value = try recall(at: 10, of: index, against: Self.exactIndex(), queries: Self.queries)
        print("FAISS \(kind) recall@10 against exact search: \(String(format: "%.3f", value)) (4,000 vectors, 100 queries)")
        #expect(value >= 0.8)
    }

    @Test(arguments: [FAISSIndex.Kind.flat, .hnsw(m: 16, efSearch: 64), .ivfFlat(lists: 4, probes: 4)])
    func updateAndDeleteSemantics(kind: FAISSIndex.Kind) throws {
        let index = try FAISSIndex(dimension: 4, kind: kind)
        let basis = Tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] as [Float], shape: [4, 4])
        try index.upsert(ids: ["a", "b", "c", "d"], vectors: basis)
        #expect(index.count == 4)
        let towardsA = Tensor([1, 0.1, 0, 0] as [Float], shape: [1, 4])
        #expect(try index.search(towardsA, k: 1)[0].map(\.id) == ["a"])
        // "b" moves next to "a"'s direction: replaced, not duplicated.
        try index.upsert(ids: ["b"], vectors: Tensor([1, 0, 0.3, 0] as [Float], shape: [1, 4]))
        #expect(index.count == 4)
        let top = try index.search(towardsA, k: 4)[0].map(\.id)
        #expect(Array(top.prefix(2)) == ["a", "b"] && Set(top) == ["a", "b", "c", "d"])
        try index.remove(ids: ["a"])
        #expect(index.count == 3)
        let after = try index.search(towardsA, k: 4)[0].map(\.id)
        // Three left, all found: a deleted HNSW node is skipped inside the search, not dropped after it.
        #expect(after.count == 3 && after.first == "b" && !after.contains("a"))
        #expect(throws: RetrievalError.unknownID("a")) { try index.remove(ids: ["a"]) }
        #expect(throws: RetrievalError.dimensionMismatch(expected: 4, shape: [1, 3])) {
            try index.search(Tensor([1, 0, 0] as [Float], shape: [1, 3]), k: 1)
        }
    }

    @Test func ivfNeedsEnoughVectorsToTrain() throws {
        let index = try FAISSIndex(dimension: 4, kind: .ivfFlat(lists: 16, probes: 4))
        #expect(!index.isTrained)
        #expect(throws: RetrievalError.self) {
            try index.upsert(ids: ["a"], vectors: Tensor([1, 0, 0, 0] as [Float], shape: [1, 4]))
        }
        #expect(index.count == 0)
    }
}
