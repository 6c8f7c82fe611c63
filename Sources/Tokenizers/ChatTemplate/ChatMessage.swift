/// One turn of a conversation: who speaks (`system`, `user`, `assistant`, `tool`...) and what they say.
///
/// For messages with more fields (tool calls, reasoning), pass `TemplateValue` objects to
/// ``ChatTemplate``'s `render(messages:...)` that takes `[TemplateValue]`.
public struct ChatMessage: Sendable, Hashable {
    /// The speaker's role, as the template expects it (usually `system`, `user` or `assistant`).
    public var role: String
    /// The text of the turn.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// The message as the template sees it: an object with `role` then `content`.
    public var templateValue: TemplateValue { .object([(key: "role", value: .string(role)), (key: "content", value: .string(content))]) }
}
