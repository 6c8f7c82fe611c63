import FineTuning
import Foundation
import LLMSupport
import Retrieval

/// Answers city questions with a chat model, alone (closed book) or with the top-k passages of a
/// ``PassageStore`` in the prompt (RAG), and scores the answers.
public final class CityAnswerer {
    /// The model (with whatever adapter is active).
    public let llm: PretrainedLLM
    /// The passages to retrieve from; nil answers closed-book.
    public let store: PassageStore?
    /// Passages put into each prompt.
    public var topK: Int
    /// The most tokens generated per answer (a value and the end of turn take under 8).
    public var maxNewTokens = 16
    /// Rows decoded together.
    public var maxBatch = 32

    /// The instruction of the RAG prompt: answer from the passages in a word or two, or abstain.
    public static let ragInstruction = "Answer the question using only the numbered passages, with the fact only, "
        + "in one or two words. If the passages do not contain the answer, say: I don't know."

    /// An answerer over `llm`, retrieving `topK` passages from `store` when there is one.
    public init(llm: PretrainedLLM, store: PassageStore?, topK: Int = 3) {
        self.llm = llm
        self.store = store
        self.topK = topK
    }

    /// One answered question.
    public struct Answer: Codable, Sendable {
        /// The question.
        public var question: String
        /// The value expected.
        public var expected: String
        /// What the model said.
        public var output: String
        /// How it scored.
        public var verdict: AnswerVerdict
    }

    /// Answers all `questions` (batched: retrieval in one search, generation in batches with the
    /// prompt text they share encoded once).
    public func answer(_ questions: [CityQuestion]) throws -> [Answer] {
        guard !questions.isEmpty else { return [] }
        let prompts = try self.prompts(for: questions)
        let sentinel = try self.prompts(forTexts: ["\u{1}"], retrieved: store == nil ? nil : [[RetrievedPassage(passage: Passage(id: "", text: "\u{1}"), score: 0)]])[0]
        let shared = SharedPromptPrefix(prompts: prompts, prefixText: SharedPromptPrefix.text(of: sentinel, before: "\u{1}"),
                                        tokenizer: llm.tokenizer)
        let tokenizer = llm.tokenizer
        let outputs = llm.model.generateGreedy(shared.suffixes, sharedPrefix: shared.prefix, maxNewTokens: maxNewTokens,
                                               stopTokens: llm.stopTokens, maxBatch: maxBatch)
        return zip(questions, outputs).map { question, ids in
            let text = tokenizer.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespacesAndNewlines)
            return Answer(question: question.text, expected: question.expected, output: text,
                          verdict: AnswerVerdict(answer: text, question: question))
        }
    }

    /// Milliseconds to answer each of `questions` alone, as a user waits for it: retrieval
    /// (embedding the question and searching), prompt assembly, tokenizing and generation.
    public func latencies(_ questions: [CityQuestion]) throws -> [Double] {
        try questions.map { question in
            let start = DispatchTime.now().uptimeNanoseconds
            let prompt = try prompts(for: [question])[0]
            _ = llm.model.generateGreedy([llm.tokenizer.encode(prompt, addSpecialTokens: true)], maxNewTokens: maxNewTokens,
                                         stopTokens: llm.stopTokens, maxBatch: 1)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
    }

    /// The chat-template prompts of `questions`, with retrieved passages when there is a store.
    func prompts(for questions: [CityQuestion]) throws -> [String] {
        let texts = questions.map(\.text)
        return try prompts(forTexts: texts, retrieved: try store?.retrieve(texts, k: topK))
    }

    private func prompts(forTexts texts: [String], retrieved: [[RetrievedPassage]]?) throws -> [String] {
        guard let retrieved else {
            return try texts.map { text in
                try llm.chatPrompt([ChatMessage(role: "system", content: CityQuestion.instruction), ChatMessage(role: "user", content: text)],
                                   addGenerationPrompt: true)
            }
        }
        return try zip(texts, retrieved).map { text, found in
            try llm.prompt(for: RAGPrompt(question: text, retrieved: found, instruction: Self.ragInstruction))
        }
    }
}
