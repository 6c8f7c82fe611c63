import Foundation
import Tokenizers
import XCTest

/// The public surface: messages, special tokens, extra context, message preparation, JSON input.
final class ChatTemplateAPITests: XCTestCase {
    private let echo = try! ChatTemplate(source: """
        {{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}|{{ documents }}|\
        {% for m in messages %}{{ m | tojson }};{% endfor %}|{{ custom | default('no custom') }}
        """)

    func testSpecialTokensAreUndefinedUnlessGiven() throws {
        XCTAssertEqual(try echo.render(messages: [ChatMessage(role: "user", content: "hi")]),
                       "||False|None|None|{\"role\": \"user\", \"content\": \"hi\"};|no custom")
        XCTAssertEqual(try echo.render(messages: [ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true,
                                       bosToken: "<s>", eosToken: "</s>", extra: ["custom": 3]),
                       "<s>|</s>|True|None|None|{\"role\": \"user\", \"content\": \"hi\"};|3")
    }

    func testExtraOverridesSpecialTokensLikeTransformersKeywordArguments() throws {
        XCTAssertEqual(try echo.render(messages: [ChatMessage](), bosToken: "<s>", extra: ["bos_token": "[B]", "tools": [["name": "f"]]]),
                       "[B]||False|[{'name': 'f'}]|None||no custom")
    }

    func testMessagesDropNullFieldsAndAliasReasoning() throws {
        let message: TemplateValue = ["role": "assistant", "content": "ok", "tool_calls": nil, "reasoning": "because"]
        XCTAssertEqual(try echo.render(messages: [message]),
                       "||False|None|None|{\"thinking\": \"because\", \"role\": \"assistant\", \"content\": \"ok\", "
                       + "\"reasoning\": \"because\", \"reasoning_content\": \"because\"};|no custom")
        XCTAssertThrowsError(try echo.render(messages: ["not an object"] as [TemplateValue]))
    }

    func testStrftimeNowUsesTheInjectedDateAndZone() throws {
        let template = try ChatTemplate(source: "{{ strftime_now('%d %b %Y %H:%M') }}")
        let date = Date(timeIntervalSince1970: 1_721_952_000)  // 2024-07-26 00:00 UTC
        XCTAssertEqual(try template.render(messages: [ChatMessage](), now: date, timeZone: TimeZone(identifier: "UTC")!), "26 Jul 2024 00:00")
        XCTAssertEqual(try template.render(messages: [ChatMessage](), now: date, timeZone: TimeZone(secondsFromGMT: -3600)!), "25 Jul 2024 23:00")
    }

    func testRenderingLeavesNoStateBehind() throws {
        let template = try ChatTemplate(source: "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}")
        let messages = [ChatMessage(role: "user", content: "a"), ChatMessage(role: "assistant", content: "b")]
        XCTAssertEqual(try template.render(messages: messages), "2")
        XCTAssertEqual(try template.render(messages: messages), "2")
    }

    func testJSONKeepsKeyOrderAndReportsErrors() throws {
        let value = try TemplateValue(json: #"{"z": 1, "a": [true, null, 2.5, "\u00e9\ud83d\ude42\n"], "m": {}}"#)
        XCTAssertEqual(value, ["z": 1, "a": [true, nil, 2.5, "é🙂\n"], "m": [:]])
        XCTAssertEqual(value["a"], [true, nil, 2.5, "é🙂\n"])
        XCTAssertThrowsError(try TemplateValue(json: #"{"a": }"#)) { error in
            XCTAssertEqual((error as? TemplateValue.JSONError)?.offset, 6)
        }
        XCTAssertThrowsError(try TemplateValue(json: "[1] x"))
    }
}
