import Testing
import Retrieval
import FineTuning

@Suite struct RAGPromptTests {
    let passages = [Passage(id: "a", text: "Boise is in Idaho."), Passage(id: "b", text: "Idaho uses Mountain Time.")]

    @Test func passagesAreNumberedBeforeTheQuestion() {
        let prompt = RAGPrompt(question: "Which time zone is Boise in?", passages: passages, instruction: "Use the passages.")
        #expect(prompt.messages == [
            ChatMessage(role: "system", content: "Use the passages."),
            ChatMessage(role: "user", content: "Passages:\n[1] Boise is in Idaho.\n[2] Idaho uses Mountain Time.\n\nQuestion: Which time zone is Boise in?"),
        ])
    }

    @Test func systemPlacementKeepsTheQuestionAlone() {
        let retrieved = passages.map { RetrievedPassage(passage: $0, score: 0.5) }
        let prompt = RAGPrompt(question: "Where is Boise?", retrieved: retrieved, instruction: "Answer briefly.", placement: .system)
        #expect(prompt.messages == [
            ChatMessage(role: "system", content: "Answer briefly.\n\nPassages:\n[1] Boise is in Idaho.\n[2] Idaho uses Mountain Time."),
            ChatMessage(role: "user", content: "Where is Boise?"),
        ])
        #expect(RAGPrompt(question: "Q?", passages: []).context == "(none)")
    }
}
