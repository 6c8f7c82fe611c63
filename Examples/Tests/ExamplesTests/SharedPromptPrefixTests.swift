import Foundation
import Testing
import FineTuning
import LLMSupport

/// Batched evaluation's prompt split: prefix + suffix ids are exactly each prompt's own ids.
@Suite struct SharedPromptPrefixTests {
    @Test func sharesThePrefixOnlyWhenTheIdsAgree() throws {
        let tokenizer = try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: try smolLM2File.get()))
        let head = "<|im_start|>system\nAnswer in JSON.<|im_end|>\n<|im_start|>user\n"
        let prompts = ["What is 2+2?", "Where is Boise?", "Name a prime."].map { head + $0 + "<|im_end|>\n<|im_start|>assistant\n" }
        let shared = SharedPromptPrefix(prompts: prompts, prefixText: SharedPromptPrefix.text(of: head + "\u{1}", before: "\u{1}"),
                                        tokenizer: tokenizer)
        #expect(!shared.prefix.isEmpty)
        for (prompt, suffix) in zip(prompts, shared.suffixes) {
            #expect(shared.prefix + suffix == tokenizer.encode(prompt, addSpecialTokens: true))
        }
        // A prompt that does not start with the prefix: nothing is shared, every prompt is whole.
        let mixed = SharedPromptPrefix(prompts: prompts + ["Hello"], prefixText: head, tokenizer: tokenizer)
        #expect(mixed.prefix.isEmpty)
        #expect(mixed.suffixes == (prompts + ["Hello"]).map { tokenizer.encode($0, addSpecialTokens: true) })
        #expect(SharedPromptPrefix.text(of: "abc", before: "\u{1}") == "")
    }
}
