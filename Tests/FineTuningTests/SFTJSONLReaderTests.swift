import Foundation
import Testing
import TestFixtures
@testable import FineTuning

/// The three JSONL shapes, the train/valid/test folder, and an error naming file and line for
/// every kind of malformed line.
@Suite struct SFTJSONLReaderTests {
    private func file(_ text: String, name: String = "bad.jsonl", _ function: String = #function) throws -> URL {
        let url = trainingTemporaryDirectory(function).appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func readsTheThreeShapes() throws {
        let reader = SFTJSONLReader()
        let pairs = try reader.read(from: fixtureURL("sft/prompt_completion.jsonl")).examples
        #expect(pairs == [.promptCompletion(prompt: "What is 2 + 2?", completion: "4"),
                          .promptCompletion(prompt: "Name a colour.", completion: "Blue.")])
        #expect(pairs[0].messages == [ChatMessage(role: "user", content: "What is 2 + 2?"),
                                      ChatMessage(role: "assistant", content: "4")])
        let texts = try reader.read(from: fixtureURL("sft/text.jsonl")).examples
        #expect(texts == [.text("The cat sat on the mat."), .text("Unicode: café ☕")])
        #expect(texts[0].messages == nil)

        let splits = try reader.read(folder: fixtureURL("sft/chat"))
        #expect(splits.train.count == 3 && splits.validation?.count == 1 && splits.test == nil)
        #expect(splits.train.allSatisfy { $0.format == .chat })
        #expect(splits.train[1] == .chat([ChatMessage(role: "system", content: "Answer in JSON."),
                                         ChatMessage(role: "user", content: "Who wrote Hamlet ?"),
                                         ChatMessage(role: "assistant", content: #"{"category": "HUM", "subcategory": "ind"}"#)]))
        #expect(splits.train[2].messages?.map(\.role) == ["user", "assistant", "user", "assistant"])
    }

    @Test func malformedLinesNameFileAndLine() throws {
        let good = #"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}"#
        let cases: [(String, Int, String)] = [
            (good + "\n\n{\"messages\": [\n", 3, "invalid JSON"),
            ("[1]\n", 1, "expected a JSON object"),
            (#"{"messages": [{"role": "bot", "content": "a"}]}"#, 1,
             "messages[0]: unknown role 'bot' (expected system, user or assistant)"),
            (#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant"}]}"#, 1, "messages[1]: missing field 'content'"),
            (#"{"messages": [{"content": "a"}]}"#, 1, "messages[0]: missing field 'role'"),
            (#"{"messages": [{"role": "user", "content": 3}]}"#, 1, "messages[0]: field 'content' is not a string"),
            (#"{"messages": [{"role": "user", "content": null}]}"#, 1, "messages[0]: field 'content' is not a string"),
            (#"{"messages": ["hi"]}"#, 1, "messages[0]: not an object"),
            (#"{"messages": "hi"}"#, 1, "field 'messages' is not an array"),
            (#"{"messages": []}"#, 1, "field 'messages' is empty"),
            (#"{"prompt": "a"}"#, 1, "missing field 'completion'"),
            (#"{"completion": "a"}"#, 1, "missing field 'prompt'"),
            (#"{"prompt": "a", "completion": ["b"]}"#, 1, "field 'completion' is not a string"),
            (#"{"text": 1}"#, 1, "field 'text' is not a string"),
            (#"{"content": "a"}"#, 1, "no 'messages', 'prompt'/'completion' or 'text' field"),
            (good + "\n" + #"{"text": "a"}"#, 2, "a 'text' record in a file of 'messages' records (line 1); a file holds one shape"),
        ]
        for (text, line, reason) in cases {
            let url = try file(text)
            #expect(throws: DataError.malformedLine(file: "bad.jsonl", line: line, reason: reason)) {
                try SFTJSONLReader().read(from: url)
            }
        }
        let mixed = try file(good + "\n" + #"{"text": "a"}"#)
        let error = #expect(throws: DataError.self) { try SFTJSONLReader().read(from: mixed) }
        #expect(error?.description.hasPrefix("bad.jsonl:2: ") == true)
    }

    @Test func skipsMalformedLinesWhenAsked() throws {
        let url = try file("""
            {"prompt": "a", "completion": "b"}
            {"prompt": "a"}
            {"text": "c"}
            {"prompt": "c", "completion": "d"}
            """)
        let result = try SFTJSONLReader(skipMalformed: true).read(from: url)
        #expect(result.examples == [.promptCompletion(prompt: "a", completion: "b"), .promptCompletion(prompt: "c", completion: "d")])
        #expect(result.skippedCount == 2)
    }

    @Test func folderNeedsTrainFile() throws {
        let folder = trainingTemporaryDirectory()
        #expect(throws: DataError.unreadable(file: "train.jsonl", reason: "no such file in \(folder.path)")) {
            try SFTJSONLReader().read(folder: folder)
        }
        try Data(#"{"text": "x"}"#.utf8).write(to: folder.appendingPathComponent("train.jsonl"))
        try Data("{\"text\": \"y\"}\n{oops\n".utf8).write(to: folder.appendingPathComponent("test.jsonl"))
        #expect(throws: DataError.malformedLine(file: "test.jsonl", line: 2, reason: "invalid JSON")) {
            try SFTJSONLReader().read(folder: folder)
        }
        let skipped = try SFTJSONLReader(skipMalformed: true).read(folder: folder)
        #expect(skipped.train == [.text("x")] && skipped.validation == nil && skipped.test == [.text("y")])
        #expect(skipped.skippedCount == 1)
    }
}
