import Foundation

/// A model's chat template (`tokenizer.chat_template` in `tokenizer_config.json` or GGUF metadata),
/// parsed once and rendered for any conversation with the same result as Hugging Face
/// transformers' `apply_chat_template(conversation, tokenize=False)`.
///
/// The template language is the Jinja subset chat templates use, configured as transformers
/// configures it: `trim_blocks` and `lstrip_blocks` on, `break`/`continue` available, a `tojson` that
/// does not HTML-escape, and the globals `raise_exception`, `strftime_now` and `namespace`.
///
/// ```swift
/// let template = try ChatTemplate(source: templateText)
/// let prompt = try template.render(
///     messages: [ChatMessage(role: "user", content: "Hello")],
///     addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
/// ```
public struct ChatTemplate: @unchecked Sendable {
    // Unchecked because the syntax tree's literal values share an enum with run-time-only cases
    // (namespaces, functions) that are not Sendable; a parsed tree only ever holds plain literals and is
    // never mutated, and every render builds its own interpreter state.

    /// The template text as given.
    public let source: String
    private let nodes: [Node]

    /// Parses a template.
    ///
    /// - Throws: ``ChatTemplateError/syntax(_:at:)`` for malformed Jinja and
    ///   ``ChatTemplateError/unsupported(_:at:)`` for constructs this interpreter does not implement
    ///   (`include`, `extends`, `call` blocks, unknown filters or tests...), each with its position.
    public init(source: String) throws {
        self.source = source
        nodes = try Parser.parse(source)
    }

    /// Renders a conversation of plain role/content messages.
    ///
    /// - Parameters:
    ///   - messages: The conversation, oldest first.
    ///   - addGenerationPrompt: Whether to end with the header that starts an assistant reply.
    ///   - bosToken: The tokenizer's beginning-of-sequence token text (`bos_token`); nil leaves it undefined.
    ///   - eosToken: The end-of-sequence token text (`eos_token`); nil leaves it undefined.
    ///   - extra: Further template variables (`tools`, `documents`, `date_string`, `enable_thinking`...);
    ///     they override `bos_token`/`eos_token` when they name them, as transformers' keyword arguments do.
    ///   - now: The time `strftime_now` formats.
    ///   - timeZone: The zone `strftime_now` reads `now` in (Python uses the local zone).
    /// - Throws: ``ChatTemplateError/raised(_:at:)`` when the template calls `raise_exception`, and
    ///   ``ChatTemplateError/runtime(_:at:)`` when rendering fails.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, extra: [String: TemplateValue] = [:], now: Date = Date(),
                       timeZone: TimeZone = .current) throws -> String {
        try render(messages: messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt,
                   bosToken: bosToken, eosToken: eosToken, extra: extra, now: now, timeZone: timeZone)
    }

    /// Renders a conversation whose messages are objects with any fields (`role`, `content`,
    /// `tool_calls`, `reasoning_content`...).
    ///
    /// Messages are prepared as transformers prepares them: fields whose value is `null` are dropped,
    /// and a message's reasoning given as `reasoning_content`, `thinking` or `reasoning` is also
    /// provided under `thinking` and `reasoning_content`.
    ///
    /// - Parameters: See the `[ChatMessage]` overload.
    /// - Throws: See the `[ChatMessage]` overload; also ``ChatTemplateError/runtime(_:at:)`` if a
    ///   message is not an object.
    public func render(messages: [TemplateValue], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, extra: [String: TemplateValue] = [:], now: Date = Date(),
                       timeZone: TimeZone = .current) throws -> String {
        var context: [String: Value] = ["tools": .none, "documents": .none]
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        for (key, value) in extra { context[key] = Value(value) }
        context["messages"] = .list(try messages.enumerated().map { index, message in
            try Self.prepare(message, index: index)
        })
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        let interpreter = Interpreter(context: context, now: now, timeZone: timeZone)
        try interpreter.execute(nodes)
        return interpreter.output
    }

    private static let reasoningFields = ["reasoning_content", "thinking", "reasoning"]

    private static func prepare(_ message: TemplateValue, index: Int) throws -> Value {
        guard case .object(let members) = message else {
            throw ChatTemplateError.runtime("message \(index) is not an object", at: TemplateLocation(line: 1, column: 1))
        }
        var fields = Value.Dictionary()
        for member in members where member.value != .null { fields[member.key] = Value(member.value) }
        if let reasoning = reasoningFields.lazy.compactMap({ fields[$0] }).first {
            var aliased = Value.Dictionary()
            aliased["thinking"] = reasoning
            for (key, value) in fields.pairs { aliased[key] = value }
            aliased["reasoning_content"] = reasoning
            fields = aliased
        }
        return .dictionary(fields)
    }
}
