import Tokenizers
import XCTest

/// Every way a template can fail gives a typed error with the position it arose at.
final class ChatTemplateErrorTests: XCTestCase {
    private func parseError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            XCTFail("parsed without error: \(source)", file: file, line: line)
        } catch let error as ChatTemplateError {
            return error
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
        return nil
    }

    private func renderError(_ source: String, messages: [ChatMessage] = [], extra: [String: TemplateValue] = [:],
                             file: StaticString = #filePath, line: UInt = #line) -> ChatTemplateError? {
        do {
            let output = try ChatTemplate(source: source).render(messages: messages, extra: extra)
            XCTFail("rendered \(output.debugDescription) without error: \(source)", file: file, line: line)
        } catch let error as ChatTemplateError {
            return error
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
        return nil
    }

    func testUnsupportedStatementsNameTheConstructAndPosition() {
        XCTAssertEqual(parseError("ab\n  {% include 'other.jinja' %}"),
                       .unsupported("the 'include' statement", at: TemplateLocation(line: 2, column: 6)))
        XCTAssertEqual(parseError("{% extends 'base' %}"), .unsupported("the 'extends' statement", at: TemplateLocation(line: 1, column: 4)))
        XCTAssertEqual(parseError("{% call m() %}x{% endcall %}")?.location, TemplateLocation(line: 1, column: 4))
        XCTAssertEqual(parseError("{% for m in messages recursive %}{% endfor %}"),
                       .unsupported("recursive for loops", at: TemplateLocation(line: 1, column: 22)))
        XCTAssertEqual(parseError("{{ f(*args) }}"), .unsupported("'*' and '**' argument unpacking", at: TemplateLocation(line: 1, column: 6)))
    }

    func testUnknownFiltersAndTestsAreRejectedWhenParsing() {
        XCTAssertEqual(parseError("{{ messages | frobnicate }}"), .unsupported("the filter 'frobnicate'", at: TemplateLocation(line: 1, column: 13)))
        XCTAssertEqual(parseError("{% for m in messages %}{{ m is prime }}{% endfor %}"),
                       .unsupported("the test 'prime'", at: TemplateLocation(line: 1, column: 29)))
        XCTAssertEqual(parseError("{% set x %}a{% endset %}{% filter frob %}{% endfilter %}")?.message, "the filter 'frob'")
    }

    /// Like Jinja, an unknown filter or test inside `if` or a conditional expression only fails if it runs.
    func testUnknownFiltersUnderConditionsFailOnlyWhenReached() throws {
        let template = try ChatTemplate(source: "{% if flag %}{{ x | from_json }}{% endif %}{{ x is prime if flag else 'ok' }}")
        XCTAssertEqual(try template.render(messages: [ChatMessage](), extra: ["flag": false, "x": 1]), "ok")
        XCTAssertThrowsError(try template.render(messages: [ChatMessage](), extra: ["flag": true, "x": 1]))
        XCTAssertEqual(renderError("{% if true %}{{ x | from_json }}{% endif %}"),
                       .unsupported("the filter 'from_json'", at: TemplateLocation(line: 1, column: 19)))
    }

    func testSyntaxErrorsPointAtTheProblem() {
        XCTAssertEqual(parseError("x\n{% if a %}never closed"),
                       .syntax("'if' is never closed: expected 'elif' or 'else' or 'endif'", at: TemplateLocation(line: 2, column: 4)))
        XCTAssertEqual(parseError("{% endfor %}"), .syntax("unexpected 'endfor' without an opening tag", at: TemplateLocation(line: 1, column: 4)))
        XCTAssertEqual(parseError("{% for x in y %}{% endif %}"), .syntax("unexpected 'endif' inside 'for'", at: TemplateLocation(line: 1, column: 20)))
        XCTAssertEqual(parseError("{{ 'open"), .syntax("unterminated string", at: TemplateLocation(line: 1, column: 4)))
        XCTAssertEqual(parseError("{{ x "), .syntax("unclosed tag: missing '}}'", at: TemplateLocation(line: 1, column: 1)))
        XCTAssertEqual(parseError("{# no end"), .syntax("missing end of comment tag '#}'", at: TemplateLocation(line: 1, column: 1)))
        XCTAssertEqual(parseError("{{ (1 + }}")?.location, TemplateLocation(line: 1, column: 9))
        XCTAssertEqual(parseError("{{ a ) }}"), .syntax("unexpected ')'", at: TemplateLocation(line: 1, column: 6)))
        XCTAssertEqual(parseError("{% frob %}"), .syntax("unknown statement 'frob'", at: TemplateLocation(line: 1, column: 4)))
        XCTAssertEqual(parseError("{{ 1 $ 2 }}"), .syntax("unexpected character '$'", at: TemplateLocation(line: 1, column: 6)))
    }

    func testRaiseExceptionCarriesTheTemplatesMessage() {
        let source = "{% for m in messages %}\n  {% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}"
        XCTAssertEqual(renderError(source, messages: [ChatMessage(role: "system", content: "x")]),
                       .raised("System role not supported", at: TemplateLocation(line: 2, column: 33)))
        XCTAssertEqual(renderError("{{ raise_exception('a' ~ 1) }}")?.message, "a1")
    }

    func testRuntimeErrorsMatchJinjasUndefinedAndSandboxRules() {
        XCTAssertEqual(renderError("{{ missing.attribute }}"), .runtime("'missing' is undefined", at: TemplateLocation(line: 1, column: 11)))
        XCTAssertEqual(renderError("{{ messages[0].content.x.y }}", messages: [ChatMessage(role: "user", content: "c")])?.message,
                       "'str object' has no attribute 'x'")
        XCTAssertEqual(renderError("{{ messages.append(1) }}")?.message,
                       "access to attribute 'append' of 'list' object is unsafe.")
        XCTAssertEqual(renderError("{{ missing | tojson }}")?.message, "Object of type Undefined is not JSON serializable")
        XCTAssertEqual(renderError("{{ 1 + 'a' }}")?.message, "unsupported operand type(s) for +: 'int' and 'str'")
        XCTAssertEqual(renderError("{{ 'a' + missing }}")?.message, "'missing' is undefined")
        XCTAssertEqual(renderError("{% set x = 1 %}{% set x.y = 2 %}")?.message, "cannot assign attribute on non-namespace object 'x'")
        XCTAssertEqual(renderError("{% for x in 5 %}{% endfor %}")?.message, "'int' object is not iterable")
        XCTAssertEqual(renderError("{{ missing() }}")?.message, "'missing' is undefined")
        XCTAssertEqual(renderError("{{ namespace(_hidden=1) }}")?.message, "cannot store underscore-prefixed attribute '_hidden' on a namespace")
        XCTAssertEqual(renderError("{{ '%s' % 1 }}"), .unsupported("printf-style string formatting with '%'", at: TemplateLocation(line: 1, column: 9)))
    }

    func testDescriptionsNameKindPositionAndMessage() {
        let error = ChatTemplateError.raised("no", at: TemplateLocation(line: 3, column: 7))
        XCTAssertEqual(error.description, "chat template raised an exception at line 3, column 7: no")
    }
}
