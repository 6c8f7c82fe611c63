import Foundation
import Testing
@testable import FineTuning

/// A fresh temporary folder per test.
func trainingTemporaryDirectory(_ name: String = #function) -> URL {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ft-training-\(clean)-\(UInt32.random(in: .min ... .max))", isDirectory: true)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct DatasetReaderTests {
    private func file(_ name: String, _ text: String) throws -> URL {
        let url = trainingTemporaryDirectory(name).appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    private func expectDataError(_ expected: DataError, sourceLocation: SourceLocation = #_sourceLocation,
                                 _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(expected)", sourceLocation: sourceLocation)
        } catch let error as DataError {
            #expect(error == expected, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func jsonlWithCustomFieldsAndLabels() throws {
        let url = try file("reviews.jsonl", """
            {"review": "great", "stars": "pos"}

            {"review": "awful", "stars": "neg"}\r
            {"review": "fine \\"ok\\"", "stars": "pos"}
            """)
        var labels = LabelMap()
        let result = try JSONLReader(textField: "review", labelField: "stars").readClassification(from: url, labels: &labels)
        #expect(result.examples == [.init(text: "great", label: 0), .init(text: "awful", label: 1), .init(text: "fine \"ok\"", label: 0)])
        #expect(labels.names == ["pos", "neg"])
        #expect(result.skippedCount == 0)

        let numeric = try file("n.jsonl", "{\"text\": \"a\", \"label\": 2}\n{\"text\": \"b\", \"label\": 0}\n")
        #expect(try JSONLReader().readClassification(from: numeric).examples.map(\.label) == [2, 0])
        #expect(try JSONLReader().readLanguageModeling(from: numeric).examples.map(\.text) == ["a", "b"])
    }

    @Test func jsonlMalformedLinesNameFileAndLine() throws {
        let cases: [(String, Int, String)] = [
            ("{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": \n", 2, "invalid JSON"),
            ("{\"text\": \"a\", \"label\": 0}\n\n{\"label\": 1}\n", 3, "missing field 'text'"),
            ("{\"text\": 5, \"label\": 1}\n", 1, "field 'text' is not a string"),
            ("[1, 2]\n", 1, "expected a JSON object"),
            ("{\"text\": \"a\"}\n", 1, "missing field 'label'"),
            ("{\"text\": \"a\", \"label\": 1.5}\n", 1, "label '1.5' is not a class index"),
        ]
        for (text, line, reason) in cases {
            let url = try file("bad.jsonl", text)
            expectDataError(.malformedLine(file: "bad.jsonl", line: line, reason: reason)) {
                _ = try JSONLReader().readClassification(from: url)
            }
        }
        var fixed = LabelMap(names: ["neg", "pos"])
        let unknown = try file("u.jsonl", "{\"text\": \"a\", \"label\": \"meh\"}\n")
        expectDataError(.unknownLabel(file: "u.jsonl", line: 1, label: "meh")) {
            _ = try JSONLReader().readClassification(from: unknown, labels: &fixed)
        }
        expectDataError(.unreadable(file: "missing.jsonl", reason: "")) {
            do { _ = try JSONLReader().readClassification(from: URL(fileURLWithPath: "/nonexistent/missing.jsonl")) }
            catch DataError.unreadable(let file, _) { throw DataError.unreadable(file: file, reason: "") }
        }
    }

    @Test func jsonlSkipMalformedCountsLines() throws {
        let url = try file("mixed.jsonl", """
            {"text": "a", "label": 0}
            not json
            {"text": "b", "label": 1}
            {"label": 1}
            {"text": "c", "label": 0}
            """)
        let result = try JSONLReader(skipMalformed: true).readClassification(from: url)
        #expect(result.examples.map(\.text) == ["a", "b", "c"])
        #expect(result.skippedCount == 2)
        #expect(result.skippedErrors.map(\.description) == ["mixed.jsonl:2: invalid JSON", "mixed.jsonl:4: missing field 'text'"])
    }

    @Test func csvQuotingPerRFC4180() throws {
        let url = try file("data.csv", "id,text,label\r\n1,\"hello, world\",pos\r\n2,\"multi\nline \"\"quoted\"\"\",neg\r\n3,plain,pos\r\n\r\n4,\"\",neg")
        var labels = LabelMap(names: ["neg", "pos"])
        let result = try CSVReader().readClassification(from: url, labels: &labels)
        #expect(result.examples == [.init(text: "hello, world", label: 1), .init(text: "multi\nline \"quoted\"", label: 0),
                                    .init(text: "plain", label: 1), .init(text: "", label: 0)])
        let records = try CSVReader().readRecords(from: url)
        #expect(records.header == ["id", "text", "label"])
        #expect(records.records.examples.map(\.line) == [2, 3, 5, 7])   // records start lines (record 2 spans two)

        let tsv = try file("data.tsv", "great movie\t1\nbad, boring\t0\n")
        let byIndex = try CSVReader.tsv(hasHeader: false, textColumn: 0, labelColumn: 1).readClassification(from: tsv)
        #expect(byIndex.examples == [.init(text: "great movie", label: 1), .init(text: "bad, boring", label: 0)])
        #expect(try CSVReader.tsv(hasHeader: false, textColumn: 0).readLanguageModeling(from: tsv).examples.count == 2)
    }

    @Test func csvMalformedRecordsNameFileAndLine() throws {
        let cases: [(String, Int, String)] = [
            ("text,label\na,0\nb,1,extra\n", 3, "expected 2 fields, found 3"),
            ("text,label\na,0\n\"unterminated,1\nc,0\n", 3, "unterminated quoted field"),
            ("text,label\n\"a\"x,0\n", 2, "unexpected character after a closing quote"),
            ("text,label\na,0\nsay \"hi\",1\n", 3, "quote inside an unquoted field"),
            ("text,label\na\n", 2, "expected 2 fields, found 1"),
        ]
        for (text, line, reason) in cases {
            let url = try file("bad.csv", text)
            expectDataError(.malformedLine(file: "bad.csv", line: line, reason: reason)) {
                _ = try CSVReader().readClassification(from: url)
            }
        }
        let url = try file("cols.csv", "sentence,label\na,0\n")
        expectDataError(.missingColumn(file: "cols.csv", column: "text")) { _ = try CSVReader().readClassification(from: url) }
        let noHeader = try file("nh.csv", "a,0\n")
        expectDataError(.malformedLine(file: "nh.csv", line: 1, reason: "no column 5 (the record has 2 fields)")) {
            _ = try CSVReader(hasHeader: false, textColumn: 5, labelColumn: 1).readClassification(from: noHeader)
        }
    }

    @Test func csvSkipMalformedResumesOnNextLine() throws {
        let url = try file("mixed.csv", "text,label\na,0\n\"broken,1\nb,1\nc,0,extra\nd,0\n")
        let result = try CSVReader(skipMalformed: true).readClassification(from: url)
        #expect(result.examples.map(\.text) == ["a", "b", "d"])
        #expect(result.skippedCount == 2)
        #expect(result.skippedErrors.map(\.description) ==
                ["mixed.csv:3: unterminated quoted field", "mixed.csv:5: expected 2 fields, found 3"])
    }

    @Test func plainTextOneExamplePerLine() throws {
        let url = try file("corpus.txt", "first line\n\n  second line  \r\nthird\n")
        #expect(try TextLineReader().read(from: url).examples.map(\.text) == ["first line", "second line", "third"])
        #expect(try TextLineReader(trimWhitespace: false).read(from: url).examples.map(\.text) == ["first line", "  second line  ", "third"])
        let binary = trainingTemporaryDirectory().appendingPathComponent("bin.txt")
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: binary)
        expectDataError(.unreadable(file: "bin.txt", reason: "not valid UTF-8")) { _ = try TextLineReader().read(from: binary) }
    }
}

@Suite struct LabelMapTests {
    @Test func namesDigitsAndGrowth() throws {
        var growing = LabelMap()
        #expect(try growing.index(of: "b", file: "f", line: 1) == 0)
        #expect(try growing.index(of: "a", file: "f", line: 2) == 1)
        #expect(try growing.index(of: "b", file: "f", line: 3) == 0)
        #expect(try growing.index(of: "7", file: "f", line: 4) == 7)
        var fixed = LabelMap(names: ["neg", "pos"])
        #expect(try fixed.index(of: "pos", file: "f", line: 1) == 1)
        #expect(try fixed.index(of: "1", file: "f", line: 1) == 1)
        #expect(throws: DataError.unknownLabel(file: "f", line: 9, label: "2")) { try fixed.index(of: "2", file: "f", line: 9) }
    }
}
