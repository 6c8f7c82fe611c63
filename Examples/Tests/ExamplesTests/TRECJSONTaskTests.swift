import Foundation
import Testing
@testable import FineTuning
import LLMSupport

@Suite struct TRECJSONTaskTests {
    private func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trec-\(UUID().uuidString).txt")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func readsDeduplicatesAndNamesBadLines() throws {
        let url = try file("LOC:city What is the capital of Italy ?\nHUM:ind Who wrote Hamlet ?\nLOC:city What is the capital of Italy ?\n\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let questions = try TRECQuestions.read(from: url)
        #expect(questions == [TRECQuestion(category: "LOC", subcategory: "city", text: "What is the capital of Italy ?"),
                              TRECQuestion(category: "HUM", subcategory: "ind", text: "Who wrote Hamlet ?")])
        let bad = try file("LOC:city Fine ?\nXYZ:foo Unknown class ?\n")
        defer { try? FileManager.default.removeItem(at: bad) }
        #expect(throws: DataError.malformedLine(file: bad.path, line: 2, reason: "unknown class 'XYZ:foo' or empty question")) {
            try TRECQuestions.read(from: bad)
        }
        let noLabel = try file("What is this ?\n")
        defer { try? FileManager.default.removeItem(at: noLabel) }
        #expect(throws: DataError.self) { try TRECQuestions.read(from: noLabel) }
    }

    @Test func splitIsSeededAndDisjoint() throws {
        let questions = (0..<50).map { TRECQuestion(category: "NUM", subcategory: "count", text: "How many \($0) ?") }
        let a = try TRECQuestions.split(questions, testCount: 10, validationCount: 5, seed: 42)
        let b = try TRECQuestions.split(questions, testCount: 10, validationCount: 5, seed: 42)
        #expect(a.test == b.test && a.train == b.train)
        #expect(a.train.count == 35 && a.validation.count == 5 && a.test.count == 10)
        #expect(Set((a.train + a.validation + a.test).map(\.text)).count == 50)
        #expect(try TRECQuestions.split(questions, testCount: 10, validationCount: 5, seed: 43).test != a.test)
        #expect(throws: (any Error).self) { try TRECQuestions.split(questions, testCount: 45, validationCount: 5, seed: 1) }
    }

    @Test func scoresExactlyTheTwoKeyObject() {
        let q = TRECQuestion(category: "LOC", subcategory: "city", text: "What is the capital of Italy ?")
        #expect(TRECJSONTask.answer(for: q) == #"{"category": "LOC", "subcategory": "city"}"#)
        let right = TRECJSONTask.score(#" {"category": "LOC", "subcategory": "city"}"#, for: q)
        #expect(right.valid && right.categoryCorrect && right.subcategoryCorrect)
        let coarseOnly = TRECJSONTask.score(#"{"subcategory": "country", "category": "LOC"}"#, for: q)
        #expect(coarseOnly.valid && coarseOnly.categoryCorrect && !coarseOnly.subcategoryCorrect)
        for wrong in [#"{"category": "LOC"}"#, #"{"category": "LOC", "subcategory": "city", "x": 1}"#,
                      #"Sure! {"category": "LOC", "subcategory": "city"}"#, #"{"category": 3, "subcategory": "city"}"#, ""] {
            #expect(!TRECJSONTask.score(wrong, for: q).valid, "\(wrong)")
        }
        let metrics = TRECJSONMetrics([right, coarseOnly, TRECJSONTask.score("", for: q), right])
        #expect(metrics.jsonValid == 0.75 && metrics.categoryAccuracy == 0.75 && metrics.subcategoryAccuracy == 0.5)
    }

    @Test func fewShotPromptsCarryTheExamplesAsTurns() {
        let train = [TRECQuestion(category: "HUM", subcategory: "ind", text: "Who ?"), TRECQuestion(category: "LOC", subcategory: "city", text: "Where ?"),
                     TRECQuestion(category: "NUM", subcategory: "date", text: "When ?"), TRECQuestion(category: "LOC", subcategory: "country", text: "Which ?")]
        let examples = TRECJSONTask.fewShotExamples(from: train)
        #expect(examples.map(\.text) == ["Where ?", "Who ?", "When ?"])
        let messages = TRECJSONTask.promptMessages(for: train[3], examples: examples)
        #expect(messages.map(\.role) == ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"])
        #expect(messages.last?.content == "Which ?")
        #expect(TRECJSONTask.trainingMessages(for: train[3]).last?.content == #"{"category": "LOC", "subcategory": "country"}"#)
    }
}
