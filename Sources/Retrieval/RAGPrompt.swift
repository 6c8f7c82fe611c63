import FineTuning

/// The conversation that asks a chat model to answer a question from retrieved passages: an
/// instruction, the passages numbered `[1]`, `[2]`, ... (best first), and the question.
///
/// ```swift
/// let found = try store.retrieve([question], k: 3)[0]
/// let prompt = RAGPrompt(question: question, retrieved: found)
/// let text = try llm.prompt(for: prompt)          // the model's chat template, assistant turn open
/// ```
///
/// Small models follow an instruction in the system turn and read material next to the question
/// best, so by default the instruction is the system turn and the passages open the user turn
/// (``PassagePlacement/user``); ``PassagePlacement/system`` puts them after the instruction.
public struct RAGPrompt: Sendable, Equatable {
    /// Which turn carries the numbered passages.
    public enum PassagePlacement: Sendable, Equatable {
        /// After the instruction, in the system turn; the user turn is the question alone.
        case system
        /// Before the question, in the user turn.
        case user
    }

    /// The instruction used unless another is given: answer from the passages, or say so.
    public static let defaultInstruction = "Answer the question using only the numbered passages. "
        + "If the passages do not contain the answer, say that you do not know."

    /// The question to answer.
    public var question: String
    /// The passages to answer from, best first.
    public var passages: [Passage]
    /// What the model is asked to do with them.
    public var instruction: String
    /// Which turn carries the passages.
    public var placement: PassagePlacement

    /// A prompt for `question` over `passages`.
    public init(question: String, passages: [Passage], instruction: String = RAGPrompt.defaultInstruction,
                placement: PassagePlacement = .user) {
        self.question = question
        self.passages = passages
        self.instruction = instruction
        self.placement = placement
    }

    /// A prompt for `question` over the passages of a ``PassageStore/retrieve(_:k:)`` result.
    public init(question: String, retrieved: [RetrievedPassage], instruction: String = RAGPrompt.defaultInstruction,
                placement: PassagePlacement = .user) {
        self.init(question: question, passages: retrieved.map(\.passage), instruction: instruction, placement: placement)
    }

    /// The passages as numbered lines, `[1] text`, or `(none)` when there are none.
    public var context: String {
        guard !passages.isEmpty else { return "(none)" }
        return passages.enumerated().map { "[\($0.offset + 1)] \($0.element.text)" }.joined(separator: "\n")
    }

    /// The system and user turns, ready for a chat template.
    public var messages: [ChatMessage] {
        switch placement {
        case .system:
            return [ChatMessage(role: "system", content: "\(instruction)\n\nPassages:\n\(context)"),
                    ChatMessage(role: "user", content: question)]
        case .user:
            return [ChatMessage(role: "system", content: instruction),
                    ChatMessage(role: "user", content: "Passages:\n\(context)\n\nQuestion: \(question)")]
        }
    }
}

extension PretrainedLLM {
    /// `prompt`'s messages in the model's chat template, with the assistant's turn opened for
    /// generation.
    ///
    /// - Throws: what `PretrainedLLM.chatPrompt(_:addGenerationPrompt:)` throws.
    public func prompt(for prompt: RAGPrompt) throws -> String {
        try chatPrompt(prompt.messages, addGenerationPrompt: true)
    }
}
