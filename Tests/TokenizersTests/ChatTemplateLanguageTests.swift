import Foundation
import Tokenizers
import XCTest

/// One small template per construct (whitespace control, loops, scoping, filters, tests, methods,
/// `tojson`...), each compared with what transformers' Jinja environment rendered
/// (the "language" section of chat_templates_expected.json).
final class ChatTemplateLanguageTests: XCTestCase {
    func testEverySnippetRendersExactlyAsTransformersJinja() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/chat_templates_expected.json")
        let document = try TemplateValue(json: try String(contentsOf: url, encoding: .utf8))
        guard case .array(let snippets)? = document["language"], case .object(let members)? = document["language_context"] else {
            return XCTFail("malformed fixture file")
        }
        var context: [String: TemplateValue] = [:]
        for member in members { context[member.key] = member.value }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        guard case .string(let nowText)? = document["strftime_now"], let now = formatter.date(from: nowText + "Z") else {
            return XCTFail("malformed strftime_now")
        }
        XCTAssertGreaterThan(snippets.count, 40)
        for snippet in snippets {
            guard case .string(let source)? = snippet["template"], case .string(let expected)? = snippet["expected"] else {
                return XCTFail("malformed snippet \(snippet)")
            }
            do {
                let output = try ChatTemplate(source: source).render(
                    messages: [] as [TemplateValue], extra: context, now: now, timeZone: TimeZone(identifier: "UTC")!)
                XCTAssertEqual(output, expected, source)
            } catch {
                XCTFail("\(source): \(error)")
            }
        }
    }
}
