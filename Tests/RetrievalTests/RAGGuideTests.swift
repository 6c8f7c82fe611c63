import Foundation
import Testing
import FineTuning
import Retrieval
import TestFixtures

// The Swift snippet of Documentation/RAG.md's "A passage store and a prompt", compiled and run
// with the real all-MiniLM-L6-v2. Its generation lines are compiled only (`answer(...)` below):
// 48 tokens of SmolLM2 take minutes in a debug build; TextGenerator has its own tests. The FAISS
// snippet runs in RetrievalFAISSTests.
@Suite struct RAGGuideTests {
    @Test func aPassageStoreAndAPrompt() throws {
        let miniLM = try miniLMFolder.get()
        let runs = scratchFolder()

        let embedder = try SentenceEmbedder(directory: miniLM)
        let store = PassageStore(embedder: embedder)            // an exact FlatIndex of width 384
        let report = try store.upsert([
            Passage(id: "boise", text: "Boise is the capital of Idaho and lies in the Mountain Time Zone."),
            Passage(id: "honolulu", text: "Honolulu, on the island of Oahu, is the largest city in Hawaii."),
        ])
        print(report.totalSeconds)                              // embedding + indexing

        let question = "Which time zone is Idaho's capital city in?"
        let found = try store.retrieve([question], k: 3)[0]     // [RetrievedPassage], best first: boise, honolulu

        try store.save(to: runs.appendingPathComponent("rag-store"))   // passages.jsonl + vectors.safetensors + index.json
        let again = try PassageStore(contentsOf: runs.appendingPathComponent("rag-store"), embedder: embedder)

        #expect(found.map(\.passage.id) == ["boise", "honolulu"])
        #expect(again.passages == store.passages)
    }

    /// The guide's generation lines, compiled but not run by the test.
    func answer(_ question: String, found: [RetrievedPassage], smolLM2: URL) throws -> String {
        let llm = try PretrainedLLM(contentsOf: smolLM2, quantized: true)
        let prompt = try llm.prompt(for: RAGPrompt(question: question, retrieved: found))
        let answer = TextGenerator(model: llm.model, tokenizer: llm.tokenizer, stopTokens: llm.stopTokens)
            .generate(promptIDs: llm.tokenizer.encode(prompt, addSpecialTokens: true), maxNewTokens: 48)
        return answer.text
    }

    /// The prompt the guide builds, rendered with SmolLM2's chat template, without loading weights.
    @Test func thePromptInSmolLM2sTemplate() throws {
        let file = try GGUFFile(contentsOf: try smolLM2File.get())
        let template = try #require(try ChatTemplate(gguf: file))
        let passages = [Passage(id: "boise", text: "Boise is the capital of Idaho.")]
        let text = try template.render(messages: RAGPrompt(question: "Where is Boise?", passages: passages).messages,
                                       addGenerationPrompt: true, bosToken: nil, eosToken: nil)
        #expect(text == "<|im_start|>system\n\(RAGPrompt.defaultInstruction)<|im_end|>\n"
                + "<|im_start|>user\nPassages:\n[1] Boise is the capital of Idaho.\n\nQuestion: Where is Boise?<|im_end|>\n"
                + "<|im_start|>assistant\n")
    }
}
