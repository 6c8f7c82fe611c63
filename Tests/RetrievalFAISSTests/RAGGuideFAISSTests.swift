import Foundation
import Testing
import FineTuning
import Retrieval
import RetrievalFAISS

// The FAISS snippet of Documentation/RAG.md, run on clustered random vectors of MiniLM's width.
@Suite struct RAGGuideFAISSTests {
    @Test func faiss() throws {
        let vectors = clusteredVectors(2000, 384, clusters: 30, seed: 21)
        let queries = clusteredVectors(50, 384, clusters: 30, seed: 22)
        let ids = (0..<2000).map { "passage-\($0)" }

        let exact = FlatIndex(dimension: 384)
        let hnsw = try FAISSIndex(dimension: 384, kind: .hnsw(m: 32, efSearch: 64))
        let ivf = try FAISSIndex(dimension: 384, kind: .ivfFlat(lists: 64, probes: 8))  // learns its cells from the first upsert
        for index in [exact, hnsw, ivf] as [any VectorIndex] { try index.upsert(ids: ids, vectors: vectors) }
        print(try recall(at: 10, of: hnsw, against: exact, queries: queries))   // e.g. 0.95

        #expect(try recall(at: 10, of: hnsw, against: exact, queries: queries) >= 0.8)
        #expect(try recall(at: 10, of: ivf, against: exact, queries: queries) >= 0.8)
    }
}
