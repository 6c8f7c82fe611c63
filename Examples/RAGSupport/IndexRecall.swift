import FineTuning
import Foundation
import Retrieval
import RetrievalFAISS

/// One vector index measured against the exact answer on the same passages and questions.
public struct IndexRecallRow: Codable, Sendable, Equatable {
    /// What the index is (`flat (exact)`, `FAISS HNSW m 32, efSearch 64`, ...).
    public var index: String
    /// The share of each question's exact top-k passages the index also returns (1 = all).
    public var recall: Double
    /// Seconds to add (and train, for IVF) every vector.
    public var buildSeconds: Double
    /// Milliseconds per question, all questions searched in one batch.
    public var searchMsPerQuery: Double

    enum CodingKeys: String, CodingKey {
        case index, recall
        case buildSeconds = "build_seconds"
        case searchMsPerQuery = "search_ms_per_query"
    }
}

/// How the approximate FAISS indexes compare with the exact flat index on city passages:
/// recall@k against ``FlatIndex``, build time and search time — the numbers that say when a
/// user should leave the default flat index.
public struct IndexRecallReport: Codable, Sendable {
    /// Passages indexed.
    public var passages: Int
    /// Questions searched.
    public var queries: Int
    /// Hits per question compared.
    public var k: Int
    /// Seconds to embed the passages and questions (all-MiniLM-L6-v2).
    public var embedSeconds: Double
    /// The exact index first, then each approximate one.
    public var rows: [IndexRecallRow]

    enum CodingKeys: String, CodingKey {
        case passages, queries, k, rows
        case embedSeconds = "embed_seconds"
    }

    /// The indexes compared: exact flat (ours), FAISS exact, HNSW and IVF-Flat sized for `count`
    /// vectors (√count lists, a quarter of them probed, at least 4).
    static func indexes(dimension: Int, count: Int) throws -> [(String, any VectorIndex)] {
        let lists = max(4, Int(Double(count).squareRoot())), probes = max(4, lists / 4)
        return [
            ("flat (exact, Retrieval)", FlatIndex(dimension: dimension)),
            ("FAISS flat (exact)", try FAISSIndex(dimension: dimension, kind: .flat)),
            ("FAISS HNSW m 32, efSearch 64", try FAISSIndex(dimension: dimension, kind: .hnsw(m: 32, efSearch: 64))),
            ("FAISS IVF-Flat \(lists) lists, \(probes) probed", try FAISSIndex(dimension: dimension, kind: .ivfFlat(lists: lists, probes: probes))),
        ]
    }

    /// Embeds `passages` and `questions` with `embedder`, fills each index, and compares every
    /// index's top-`k` with the exact flat index's.
    ///
    /// - Throws: what the indexes throw (a FAISS failure, a non-finite embedding).
    public static func measure(passages: [Passage], questions: [String], embedder: SentenceEmbedder, k: Int = 10) throws -> IndexRecallReport {
        let clock = ContinuousClock()
        var vectors: [Float] = [], queryVectors: [Float] = []
        let embedTime = clock.measure {
            vectors = embedder.embed(passages.map(\.text)).flatMap { $0 }
            queryVectors = embedder.embed(questions).flatMap { $0 }
        }
        let dimension = passages.isEmpty ? 1 : vectors.count / passages.count
        let stored = Tensor(vectors, shape: [passages.count, dimension])
        let queries = Tensor(queryVectors, shape: [questions.count, dimension])
        let ids = passages.map(\.id)
        var rows: [IndexRecallRow] = []
        var exact: [[SearchHit]] = []
        for (name, index) in try indexes(dimension: dimension, count: passages.count) {
            let build = try clock.measure {
                if let faiss = index as? FAISSIndex, !faiss.isTrained { try faiss.train(on: stored) }
                try index.upsert(ids: ids, vectors: stored)
            }
            var hits: [[SearchHit]] = []
            let search = try clock.measure { hits = try index.search(queries, k: k) }
            if exact.isEmpty { exact = hits }
            rows.append(IndexRecallRow(index: name, recall: recall(at: k, of: hits, against: exact), buildSeconds: build.seconds,
                                       searchMsPerQuery: 1000 * search.seconds / Double(max(1, questions.count))))
        }
        return IndexRecallReport(passages: passages.count, queries: questions.count, k: k, embedSeconds: embedTime.seconds, rows: rows)
    }

    /// The comparison as a Markdown table.
    public func markdownTable() -> String {
        var out = "| Index | Recall@\(k) vs exact | Build | Search per question |\n|---|---:|---:|---:|\n"
        for row in rows {
            out += String(format: "| %@ | %.3f | %.3f s | %.3f ms |\n", row.index, row.recall, row.buildSeconds, row.searchMsPerQuery)
        }
        return out
    }
}

extension RAGPathRun {
    /// The index comparison of `compare-rag` (its `index` part): one passage per city for
    /// ``RAGRunSettings/indexCities`` cities drawn from `cities`, and as many questions as
    /// ``RAGRunSettings/indexQuestions`` about them (a random fact and phrasing each); writes
    /// `index/result.json`.
    ///
    /// - Throws: when too few cities qualify, the embedder does not load, or an index fails.
    public func compareIndexes(cities: [City]) throws -> IndexRecallReport {
        let drawn = try CityKnowledge.draw(from: cities, known: settings.indexCities, abstain: 0, unknown: 0, seed: settings.seed &+ 7).known
        let generator = Generator(seed: settings.seed &+ 8)
        let questions = (0..<settings.indexQuestions).map { _ in
            CityQuestion(city: drawn[generator.nextInt(below: drawn.count)],
                         fact: CityFact.allCases[generator.nextInt(below: CityFact.allCases.count)],
                         phrasing: generator.nextInt(below: CityQuestion.phrasingCount)).text
        }
        let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: settings.embedder))
        let report = try IndexRecallReport.measure(passages: drawn.map(CityKnowledge.passage(for:)), questions: questions, embedder: embedder)
        for row in report.rows {
            log(String(format: "index: %@: recall@%d %.3f, build %.3f s, search %.3f ms per question",
                       row.index, report.k, row.recall, row.buildSeconds, row.searchMsPerQuery))
        }
        let folder = settings.folder("index")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try RAGPathResult.encoder.encode(report).write(to: folder.appendingPathComponent("result.json"), options: .atomic)
        return report
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
