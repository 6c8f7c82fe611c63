import TensorKit
import Tokenizers

/// A multi-turn conversation with a pretrained LLM that keeps the keys and values of everything
/// said so far, so each turn encodes only its new tokens (as llama.cpp's conversation mode and
/// `mlx_lm.chat` do).
///
/// Each turn renders the whole conversation with the model's chat template, then reuses the
/// cache up to the first token where the new text departs from what is cached (usually the
/// end of the previous reply, whose closing tokens the template writes itself). The reply is
/// therefore the one a fresh generation over the rendered conversation would give.
///
/// ```swift
/// let chat = ChatSession(llm: try PretrainedLLM(contentsOf: url, quantized: true))
/// let first = try chat.respond(to: "Name a prime number.", maxNewTokens: 32)
/// let second = try chat.respond(to: "And the next one?", maxNewTokens: 32)
/// ```
public final class ChatSession {
    /// The model, its tokenizer and chat template.
    public let llm: PretrainedLLM
    /// The system turn that opens the conversation (the template's default when nil).
    public let system: String?
    /// The turns so far (user and assistant), without the system turn.
    public private(set) var messages: [ChatMessage] = []
    /// The ids whose keys and values ``cache`` holds.
    private var cachedIDs: [Int] = []
    private let cache: KVCache

    /// A conversation with `llm`, opened by `system` when given.
    public init(llm: PretrainedLLM, system: String? = nil) {
        self.llm = llm
        self.system = system
        self.cache = llm.model.makeCache()
    }

    /// The number of tokens the last turn reused from the cache instead of encoding again.
    public private(set) var reusedTokens = 0

    /// Adds a user turn, generates the assistant's reply (streamed through `onText`) and adds it
    /// to the conversation.
    ///
    /// - Parameters:
    ///   - text: the user's message.
    ///   - maxNewTokens: the most tokens the reply may have.
    ///   - sampling: how each token is picked (greedy by default).
    ///   - generator: the random source of sampled picks (the thread's default when nil).
    ///   - onText: receives each new piece of the reply, in order.
    /// - Throws: `ChatTemplateError` from the template, ``GGUFModelError`` when the file has none.
    @discardableResult
    public func respond(to text: String, maxNewTokens: Int, sampling: SamplingParameters = .greedy,
                        generator: Generator? = nil, onText: (String) -> Void = { _ in }) throws -> GeneratedText {
        var turns = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        turns += messages + [ChatMessage(role: "user", content: text)]
        let prompt = try llm.chatPrompt(turns, addGenerationPrompt: true)
        let ids = llm.tokenizer.encode(prompt, addSpecialTokens: true)
        // At least the last prompt token is encoded anew: its logits pick the first reply token.
        var shared = 0
        let limit = Swift.min(cachedIDs.count, ids.count - 1)
        while shared < limit && cachedIDs[shared] == ids[shared] { shared += 1 }
        cache.truncate(to: shared)
        reusedTokens = shared
        let generatorOfText = TextGenerator(model: llm.model, tokenizer: llm.tokenizer, stopTokens: llm.stopTokens)
        let reply = generatorOfText.generate(promptIDs: ids, maxNewTokens: maxNewTokens, sampling: sampling,
                                             generator: generator, cache: cache, onText: onText)
        // The cache now holds the prompt and every produced token but the last, never fed back.
        cachedIDs = ids + reply.outputIDs.dropLast()
        messages.append(ChatMessage(role: "user", content: text))
        messages.append(ChatMessage(role: "assistant", content: reply.text))
        return reply
    }

    /// Forgets the conversation (the system turn stays).
    public func reset() {
        messages = []
        cachedIDs = []
        cache.reset()
    }
}

@available(*, unavailable, message: "A chat session holds a model and its cache, which are not Sendable")
extension ChatSession: Sendable {}
