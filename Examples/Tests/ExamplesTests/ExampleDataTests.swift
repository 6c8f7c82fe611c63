import Foundation
import Testing
@testable import ExampleSupport
import FineTuning

/// The example programs' data plumbing, on small samples of the real files committed under
/// Examples/Tests/Fixtures (the first lines of each, plus zero-scored and negative snippets).
@Suite struct ExampleDataTests {
    private static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// A folder laid out as `make data` leaves `data/`, holding the two samples.
    private static func sampleDataFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("example-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture("examples_movie_reviews_sample.tsv"),
                                         to: folder.appendingPathComponent(ExampleTask.sentiment.fileName))
        try FileManager.default.copyItem(at: fixture("examples_sms_spam_sample.csv"),
                                         to: folder.appendingPathComponent(ExampleTask.spam.fileName))
        return folder
    }

    @Test func movieReviewsBecomeSignLabelsWithZerosDropped() throws {
        let folder = try Self.sampleDataFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let examples = try ExampleTask.sentiment.load(from: folder)
        // 25 snippets: 14 positive, 9 negative, 2 scored 0 (dropped).
        #expect(examples.count == 23)
        #expect(examples.filter { $0.label == 1 }.count == 14)
        #expect(examples.filter { $0.label == 0 }.count == 9)
        #expect(examples[0].label == 1 && examples[0].text.hasPrefix("The Rock is destined"))
        #expect(examples[2] == TextClassificationExample(text: "Effective but too tepid biopic", label: 0))
        // Stray quotes are text, not CSV quoting.
        #expect(examples[0].text.contains("''Conan''"))
    }

    @Test func smsSpamReadsTheSpamColumn() throws {
        let folder = try Self.sampleDataFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let examples = try ExampleTask.spam.load(from: folder)
        #expect(examples.count == 20)
        #expect(examples.filter { $0.label == 1 }.count == 8)
        #expect(examples[1] == TextClassificationExample(text: "Ok lar... Joking wif u oni...", label: 0))
        #expect(examples[2].label == 1 && examples[2].text.hasPrefix("Free entry in 2 a wkly comp"))
    }

    @Test func malformedReviewLinesNameFileAndLine() {
        let header = "id\tsentiment\ttext\n"
        #expect(throws: DataError.malformedLine(file: "r.tsv", line: 3, reason: "score 'great' is not a number")) {
            try MovieReviewReader.parse(header + "1\t1.5\tfine\n2\tgreat\tbad score\n", file: "r.tsv")
        }
        #expect(throws: DataError.malformedLine(file: "r.tsv", line: 2,
                                                reason: "expected 3 tab-separated fields (id, score, text), found 2")) {
            try MovieReviewReader.parse(header + "1\tno text\n", file: "r.tsv")
        }
        #expect(throws: DataError.malformedLine(file: "r.tsv", line: 2, reason: "empty text")) {
            try MovieReviewReader.parse(header + "1\t2\t  \n", file: "r.tsv")
        }
        // CRLF line ends and blank lines are fine.
        #expect((try? MovieReviewReader.parse(header + "1\t-2\tawful\r\n\r\n2\t3\tgreat\r\n", file: "r.tsv"))
                == [TextClassificationExample(text: "awful", label: 0), TextClassificationExample(text: "great", label: 1)])
    }

    @Test func missingFilesNameTheMakeTarget() {
        let nowhere = URL(fileURLWithPath: "/nonexistent-example-data")
        #expect(throws: ExampleError.missingData(path: "/nonexistent-example-data/movie-reviews.tsv")) {
            try ExampleTask.sentiment.load(from: nowhere)
        }
        #expect(ExampleError.missingData(path: "x").description.contains("make data"))
        #expect(ExampleError.missingModel(path: "m").description.contains("make model"))
        #expect(throws: ExampleError.missingModel(path: "/nonexistent-model")) {
            _ = try FineTuneRun.loadClassifier(modelDirectory: "/nonexistent-model", classes: 2, seed: 0)
        }
    }

    @Test func splitIsFixedDisjointAndCappedByPrefix() {
        let examples = (0..<200).map { TextClassificationExample(text: "text \($0)", label: $0 % 2) }
        let a = ExampleSplit(examples)
        let b = ExampleSplit(examples)
        #expect(a.parts.train.indices == b.parts.train.indices)
        #expect(a.parts.test.indices == b.parts.test.indices)
        #expect((a.parts.train.count, a.parts.validation.count, a.parts.test.count) == (160, 20, 20))
        let all = Set(a.parts.train.indices).union(a.parts.validation.indices).union(a.parts.test.indices)
        #expect(all.count == 200)
        // Caps take prefixes: a smaller cap is a subset of a larger one, and of the full part.
        let small = ExampleSplit(examples, trainLimit: 50, validationLimit: 5, testLimit: 7)
        let larger = ExampleSplit(examples, trainLimit: 80, testLimit: 0)
        #expect(small.train.count == 50 && small.validation.count == 5 && small.test.count == 7)
        #expect(Array(larger.train.indices.prefix(50)) == small.train.indices)
        #expect(larger.test.indices == a.parts.test.indices)
        #expect(small.summary(classNames: ["neg", "pos"]).contains("train 160, validation 20, test 20"))
        // Another seed, another split.
        #expect(ExampleSplit(examples, seed: 7).parts.test.indices != a.parts.test.indices)
    }

    @Test func settingsRejectBadValues() {
        var settings = RunSettings()
        #expect(throws: Never.self) { try settings.validate() }
        settings.maxLength = 2
        #expect(throws: ExampleError.invalidOption("--max-length must be in 3...512, got 2")) { try settings.validate() }
        settings = RunSettings()
        settings.loraRank = 0
        #expect(throws: ExampleError.self) { try settings.validate() }
    }

    @Test func reportRendersEveryStrategy() throws {
        var settings = RunSettings()
        settings.makeQuick()
        let results = [StrategyKind.frozen, .lora].map { kind in
            RunResult(strategy: kind, label: kind.label(settings), task: .sentiment, testAccuracy: 0.75, testLoss: 0.5,
                      testExamples: 96, trainableParameters: 770, totalParameters: 22_713_986, trainablePercent: 0.0034,
                      optimizerStateBytes: 6160, peakRSSBytes: 300 << 20, millisecondsPerStep: 120, totalSeconds: 9,
                      steps: 12, learningRate: kind.defaultLearningRate, artifactPath: "x", artifactBytes: 3200,
                      validationCurve: [CurvePoint(step: 0, accuracy: 0.5, loss: 0.69), CurvePoint(step: 12, accuracy: .nan, loss: 0.6)])
        }
        let report = ComparisonReport(results: results, settings: settings, machine: "test", split: "split", totalSeconds: 20)
        let table = report.markdownTable()
        #expect(table.contains("| frozen encoder + head | 0.750 | 770 | 0.003 | 6.02 KiB | 300.0 MiB | 120 | 9 s | 3.12 KiB |"))
        #expect(table.contains("LoRA r8 (query/value) + head"))
        let svg = report.validationCurvesSVG()
        #expect(svg.hasPrefix("<svg") && svg.contains("IA³") == false && svg.contains("frozen encoder + head"))
        let decoded = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
        #expect((decoded?["results"] as? [Any])?.count == 2)
    }
}
