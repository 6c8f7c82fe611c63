/// One supervised fine-tuning record, in one of the three shapes mlx-lm and TRL read from JSONL.
///
/// ```swift
/// let record = SFTRecord.chat([ChatMessage(role: "user", content: "Capital of Italy?"),
///                              ChatMessage(role: "assistant", content: "Rome")])
/// record.format   // .chat
/// ```
public enum SFTRecord: Sendable, Hashable {
    /// A conversation (`{"messages": [{"role": ..., "content": ...}, ...]}`), rendered with the
    /// model's chat template; by default only the assistant turns train.
    case chat([ChatMessage])
    /// A prompt and its completion (`{"prompt": ..., "completion": ...}`): a user turn and an
    /// assistant turn of the chat template; by default only the completion trains.
    case promptCompletion(prompt: String, completion: String)
    /// Plain text (`{"text": ...}`), tokenized as it is; every token trains.
    case text(String)

    /// The roles a chat record may use: those every chat template knows.
    public static let roles: Set<String> = ["system", "user", "assistant"]

    /// The shape of a record; a JSONL file holds records of one shape.
    public enum Format: String, Sendable, Hashable, CustomStringConvertible {
        /// `{"messages": [...]}`.
        case chat
        /// `{"prompt": ..., "completion": ...}`.
        case promptCompletion
        /// `{"text": ...}`.
        case text

        /// The JSON field(s) that mark the shape, as a person writes them.
        public var description: String {
            switch self {
            case .chat: return "'messages'"
            case .promptCompletion: return "'prompt'/'completion'"
            case .text: return "'text'"
            }
        }
    }

    /// The shape of this record.
    public var format: Format {
        switch self {
        case .chat: return .chat
        case .promptCompletion: return .promptCompletion
        case .text: return .text
        }
    }

    /// The conversation the chat template renders: the messages of a chat record, a user and an
    /// assistant turn for a prompt/completion record, nil for text.
    public var messages: [ChatMessage]? {
        switch self {
        case .chat(let messages): return messages
        case let .promptCompletion(prompt, completion):
            return [ChatMessage(role: "user", content: prompt), ChatMessage(role: "assistant", content: completion)]
        case .text: return nil
        }
    }
}
