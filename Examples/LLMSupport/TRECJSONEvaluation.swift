import Foundation
import FineTuning

/// Runs a model on the fixed-JSON task's test questions (greedy, to the end of the assistant
/// turn) and scores the answers.
public struct TRECJSONEvaluation {
    /// One answered question.
    public struct Answer: Sendable, Codable {
        /// The question.
        public var question: TRECQuestion
        /// The generated text (special tokens removed).
        public var output: String
        /// How it scored.
        public var score: TRECJSONTask.Score
    }

    /// The model, tokenizer and template.
    public let llm: PretrainedLLM
    /// Worked examples placed before every question (empty for fine-tuned models).
    public var examples: [TRECQuestion]
    /// The most tokens generated per answer (an answer is 14–18 tokens with the end of turn).
    public var maxNewTokens = 24
    /// Rows decoded together.
    public var maxBatch = 32

    /// An evaluation of `llm`, with `examples` as few-shot turns.
    public init(llm: PretrainedLLM, examples: [TRECQuestion] = []) {
        self.llm = llm
        self.examples = examples
    }

    /// Answers and scores every question of `questions`.
    ///
    /// The prompt text common to all questions (system turn, examples, the user-turn header) is
    /// tokenized and encoded once; each question's own tokens follow it. That split is used only
    /// when it tokenizes exactly like the whole prompt for every question (checked), so the model
    /// sees the same ids either way.
    public func run(on questions: [TRECQuestion]) throws -> (metrics: TRECJSONMetrics, answers: [Answer]) {
        let tokenizer = llm.tokenizer
        let prompts = try questions.map { try llm.chatPrompt(TRECJSONTask.promptMessages(for: $0, examples: examples), addGenerationPrompt: true) }
        let sentinel = TRECQuestion(category: "", subcategory: "", text: "\u{1}")
        let marked = try llm.chatPrompt(TRECJSONTask.promptMessages(for: sentinel, examples: examples), addGenerationPrompt: true)
        let shared = SharedPromptPrefix(prompts: prompts, prefixText: SharedPromptPrefix.text(of: marked, before: "\u{1}"),
                                        tokenizer: tokenizer)
        let outputs = llm.model.generateGreedy(shared.suffixes, sharedPrefix: shared.prefix, maxNewTokens: maxNewTokens,
                                               stopTokens: llm.stopTokens, maxBatch: maxBatch)
        let answers = zip(questions, outputs).map { question, ids in
            let text = tokenizer.decode(ids, skipSpecialTokens: true)
            return Answer(question: question, output: text, score: TRECJSONTask.score(text, for: question))
        }
        return (TRECJSONMetrics(answers.map(\.score)), answers)
    }
}
