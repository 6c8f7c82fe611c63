import Foundation
import Testing
import TestFixtures
import FineTuning

/// A conversation that reuses its cache answers as a fresh generation over the whole rendered
/// conversation does, and encodes only the new tokens.
@Suite struct ChatSessionTests {
    @Test func secondTurnReusesTheCacheAndMatchesAFreshGeneration() throws {
        let llm = try PretrainedLLM(contentsOf: try smolLM2File.get(), quantized: true)
        let chat = ChatSession(llm: llm, system: "Answer briefly.")
        let first = try chat.respond(to: "What is 2+2?", maxNewTokens: 6)
        #expect(chat.reusedTokens == 0)
        var streamed = ""
        let second = try chat.respond(to: "And 3+3?", maxNewTokens: 6) { streamed += $0 }
        #expect(streamed == second.text)
        // Everything up to the end of the first reply was cached, not encoded again.
        #expect(chat.reusedTokens >= first.promptIDs.count + first.outputIDs.count - 2, "reused \(chat.reusedTokens)")
        #expect(chat.messages.map(\.role) == ["user", "assistant", "user", "assistant"])
        #expect(chat.messages[1].content == first.text)

        let conversation = [ChatMessage(role: "system", content: "Answer briefly."),
                            ChatMessage(role: "user", content: "What is 2+2?"),
                            ChatMessage(role: "assistant", content: first.text),
                            ChatMessage(role: "user", content: "And 3+3?")]
        let ids = llm.tokenizer.encode(try llm.chatPrompt(conversation, addGenerationPrompt: true), addSpecialTokens: true)
        #expect(ids == second.promptIDs)
        let fresh = TextGenerator(model: llm.model, tokenizer: llm.tokenizer, stopTokens: llm.stopTokens)
            .generate(promptIDs: ids, maxNewTokens: 6)
        #expect(fresh.outputIDs == second.outputIDs)

        chat.reset()
        #expect(chat.messages.isEmpty)
        let again = try chat.respond(to: "What is 2+2?", maxNewTokens: 6)
        #expect(chat.reusedTokens == 0 && again.outputIDs == first.outputIDs)
    }
}
