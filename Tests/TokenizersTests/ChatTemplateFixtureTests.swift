import Foundation
import Tokenizers
import XCTest

/// Renders real chat templates (Tests/Fixtures/chat_templates) on the conversations in
/// chat_templates_expected.json and compares with what transformers rendered, character for character.
/// Made by Tests/Fixtures/make_chat_template_fixtures.py.
final class ChatTemplateFixtureTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The moment the fixture script pinned `strftime_now` to (a naive local time read as UTC here).
    private static func fixedNow(_ iso: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return try XCTUnwrap(formatter.date(from: iso), "strftime_now \(iso)")
    }

    func testEveryFixtureRendersExactlyAsTransformers() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("chat_templates_expected.json"), encoding: .utf8)
        let document = try TemplateValue(json: text)
        guard case .string(let nowText)? = document["strftime_now"], case .array(let cases)? = document["cases"] else {
            return XCTFail("malformed fixture file")
        }
        let now = try Self.fixedNow(nowText)
        let utc = try XCTUnwrap(TimeZone(identifier: "UTC"))
        var templates: [String: ChatTemplate] = [:]
        var rendered = 0, raised = 0
        XCTAssertGreaterThan(cases.count, 100)
        for fixture in cases {
            guard case .string(let file)? = fixture["template"], case .string(let name)? = fixture["name"],
                  case .array(let messages)? = fixture["messages"], case .bool(let addPrompt)? = fixture["add_generation_prompt"],
                  case .object(let extraMembers)? = fixture["extra"]
            else { return XCTFail("malformed case \(fixture)") }
            let label = "\(file) / \(name) / add_generation_prompt=\(addPrompt)"
            if templates[file] == nil {
                let source = try String(contentsOf: Self.fixtures.appendingPathComponent("chat_templates/\(file)"), encoding: .utf8)
                do {
                    templates[file] = try ChatTemplate(source: source)
                } catch {
                    XCTFail("\(label): \(error)")
                    continue
                }
            }
            let template = try XCTUnwrap(templates[file])
            var extra: [String: TemplateValue] = [:]
            for member in extraMembers { extra[member.key] = member.value }
            func token(_ key: String) -> String? { if case .string(let s)? = fixture[key] { return s } else { return nil } }
            let render = {
                try template.render(messages: messages, addGenerationPrompt: addPrompt, bosToken: token("bos_token"),
                                    eosToken: token("eos_token"), extra: extra, now: now, timeZone: utc)
            }
            if case .string(let expected)? = fixture["expected"] {
                do {
                    let output = try render()
                    XCTAssertEqual(output, expected, label)
                    rendered += 1
                } catch {
                    XCTFail("\(label): \(error)")
                }
            } else if case .string(let message)? = fixture["error"], case .string(let kind)? = fixture["error_kind"] {
                XCTAssertThrowsError(try render(), label) { error in
                    guard let error = error as? ChatTemplateError else { return XCTFail("\(label): \(error)") }
                    switch (kind, error) {
                    case ("raised", .raised(let got, _)): XCTAssertEqual(got, message, label)
                    case ("runtime", .runtime(let got, _)): XCTAssertEqual(got, message, label)
                    default: XCTFail("\(label): expected a \(kind) error '\(message)', got \(error)")
                    }
                }
                raised += 1
            } else {
                XCTFail("case without expected output or error: \(label)")
            }
        }
        XCTAssertEqual(templates.count, 17)
        XCTAssertGreaterThan(rendered, 150)
        XCTAssertGreaterThan(raised, 5)
    }

    /// SmolLM2's template, as its GGUF carries it, on the conversation the issue names.
    func testSmolLM2HelloWithItsDefaultSystemPrompt() throws {
        let source = try String(contentsOf: Self.fixtures.appendingPathComponent("chat_templates/smollm2-135m-instruct.jinja"), encoding: .utf8)
        let prompt = try ChatTemplate(source: source).render(messages: [ChatMessage(role: "user", content: "Hello")], addGenerationPrompt: true)
        XCTAssertEqual(prompt, """
            <|im_start|>system
            You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
            <|im_start|>user
            Hello<|im_end|>
            <|im_start|>assistant

            """)
    }
}
