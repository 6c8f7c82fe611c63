import FineTuning
import Foundation
import Retrieval
import Testing
@testable import RAGSupport

/// compare-rag's index comparison on real city passages (issue: FAISS's exact index returns the
/// flat index's top-k, and HNSW/IVF recall@10 is reported against the exact answer).
@Suite struct IndexRecallTests {
    @Test func faissIndexesAgainstTheExactFlatIndexOnCityPassages() throws {
        let cities = try City.read(from: try citiesFile.get())
        var settings = RAGRunSettings()
        settings.embedder = try miniLMFolder.get().path
        settings.indexCities = 60
        settings.indexQuestions = 20
        settings.output = FileManager.default.temporaryDirectory.appendingPathComponent("index-recall-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: settings.output) }
        let report = try RAGPathRun(settings: settings, log: { _ in }).compareIndexes(cities: cities)

        #expect(report.passages == 60 && report.queries == 20 && report.k == 10)
        #expect(report.rows.map(\.index).prefix(2) == ["flat (exact, Retrieval)", "FAISS flat (exact)"])
        #expect(report.rows.count == 4)
        #expect(report.rows[0].recall == 1)
        #expect(report.rows[1].recall > 0.99, "FAISS's exact index disagrees with the flat index: \(report.rows[1].recall)")
        // Approximate, but far above what mismatched ids or vectors would give (about k / passages).
        for row in report.rows.dropFirst(2) {
            #expect(row.recall >= 0.6 && row.recall <= 1, "\(row.index): recall@10 \(row.recall)")
        }
        // The written result is what the parent run reads back.
        let written = try JSONDecoder().decode(IndexRecallReport.self,
                                               from: Data(contentsOf: settings.folder("index").appendingPathComponent("result.json")))
        #expect(written.rows == report.rows)
        #expect(report.markdownTable().split(separator: "\n").count == 2 + report.rows.count)
    }
}
