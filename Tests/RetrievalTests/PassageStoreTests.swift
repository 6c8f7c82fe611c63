import Foundation
import Testing
@testable import Retrieval
import FineTuning
import TestFixtures

@Suite struct PassageStoreTests {
    static let passages = [
        Passage(id: "boise", text: "Boise is the capital of Idaho and lies in the Mountain Time Zone."),
        Passage(id: "honolulu", text: "Honolulu, on the island of Oahu, is the largest city in Hawaii."),
        Passage(id: "reef", text: "The Great Barrier Reef is a coral reef system off the coast of Queensland, Australia."),
        Passage(id: "everest", text: "Mount Everest is the highest mountain on Earth, on the border of Nepal and China."),
        Passage(id: "photosynthesis", text: "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar."),
        Passage(id: "python", text: "The Python programming language was created by Guido van Rossum."),
    ]

    /// Questions in other words than their passage, with the passage that answers each.
    static let questions = [
        ("Which time zone is Idaho's capital city in?", "boise"),
        ("What is the biggest city in the Hawaiian islands?", "honolulu"),
        ("Where is the tallest peak in the world?", "everest"),
        ("How do green plants make food from light?", "photosynthesis"),
        ("Who invented Python?", "python"),
    ]

    /// One test, so the encoder loads once: retrieval, update, delete, save and load.
    @Test func retrievesUpdatesAndPersistsWithMiniLM() throws {
        let embedder = try SentenceEmbedder(directory: try miniLMFolder.get())
        let store = PassageStore(embedder: embedder)
        let report = try store.upsert(Self.passages)
        #expect(report.passages == 6 && report.embeddingSeconds > 0 && store.count == 6)

        let found = try store.retrieve(Self.questions.map(\.0), k: 2)
        for ((question, expected), top) in zip(Self.questions, found) {
            #expect(top.first?.passage.id == expected, "\(question) → \(top.map(\.passage.id))")
            #expect(top.count == 2 && top[0].score >= top[1].score)
        }

        // A changed fact: the same id, new text, found by the new wording only.
        try store.upsert([Passage(id: "boise", text: "Boise is the capital of Idaho; it uses Pacific Time since the change.")])
        #expect(store.count == 6 && store.passage(withID: "boise")?.text.contains("Pacific") == true)
        #expect(try store.retrieve(["Which time zone is Idaho's capital city in?"], k: 1)[0].first?.passage.text.contains("Pacific") == true)

        try store.remove(ids: ["python"])
        #expect(store.count == 5)
        #expect(try store.retrieve(["Who invented Python?"], k: 5)[0].allSatisfy { $0.passage.id != "python" })
        #expect(throws: RetrievalError.unknownID("python")) { try store.remove(ids: ["python"]) }
        #expect(throws: RetrievalError.duplicateID("reef")) { try store.upsert([Self.passages[2], Self.passages[2]]) }

        let folder = scratchFolder().appendingPathComponent("store")
        try store.save(to: folder)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
                == [PassageStore.passagesName, FlatIndex.manifestName, FlatIndex.vectorsName])
        let loaded = try PassageStore(contentsOf: folder, embedder: embedder)
        #expect(loaded.passages == store.passages)
        let questions = Self.questions.map(\.0)
        #expect(try loaded.retrieve(questions, k: 3) == store.retrieve(questions, k: 3))
    }

    @Test func passagesThatDisagreeWithTheIndexThrow() throws {
        let folder = scratchFolder()
        let index = FlatIndex(dimension: 4)
        try index.upsert(ids: ["a", "b"], vectors: Tensor([1, 0, 0, 0, 0, 1, 0, 0] as [Float], shape: [2, 4]))
        try index.save(to: folder)
        let url = folder.appendingPathComponent(PassageStore.passagesName)
        try Data("{\"id\":\"a\",\"text\":\"A\"}\n{\"id\":\"c\",\"text\":\"C\"}\n".utf8).write(to: url)
        // The folder's index is read with the checks a store load uses (no encoder needed).
        let passages = try PassageStore.readPassages(url)
        #expect(passages.count == 2 && passages["c"]?.text == "C")
        try Data("{\"id\":\"a\",\"text\":\"A\"}\n{\"id\":\"a\",\"text\":\"again\"}\n".utf8).write(to: url)
        #expect(throws: RetrievalError.corruptFile(file: url.path, reason: "line 2: passage id 'a' appears more than once")) {
            try PassageStore.readPassages(url)
        }
        try Data("{\"id\":\"a\",\"text\":\"A\"}\nnot json\n".utf8).write(to: url)
        #expect { try PassageStore.readPassages(url) } throws: { error in
            guard case let .corruptFile(file, reason) = error as? RetrievalError else { return false }
            return file == url.path && reason.hasPrefix("line 2:")
        }
    }
}
