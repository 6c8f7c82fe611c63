import Foundation
import Testing
import TestFixtures
@testable import FineTuning

/// SmolLM2's tokenizer and chat template, read from the GGUF's metadata once per process (the
/// weights are not loaded).
private let smolLM2Chat = Result { () throws -> (tokenizer: ByteLevelBPETokenizer, template: ChatTemplate) in
    let gguf = try GGUFFile(contentsOf: try smolLM2File.get())
    guard let template = try ChatTemplate(gguf: gguf) else { throw FixtureFetchFailure("SmolLM2 has no chat template") }
    return (try ByteLevelBPETokenizer(gguf: gguf), template)
}

/// The runs of consecutive trained positions of `example`, as id lists.
private func trainedRuns(_ example: SFTExample) -> [[Int]] {
    var runs: [[Int]] = []
    var inRun = false
    for (id, label) in zip(example.ids, example.labels) {
        if label == Batch.ignoreIndex { inRun = false; continue }
        #expect(label == id)
        if !inRun { runs.append([]) }
        runs[runs.count - 1].append(id)
        inRun = true
    }
    return runs
}

/// A template over the byte tokenizer, so that each byte is one token and truncation is exact.
private let byteTemplate = try! ChatTemplate(source:
    "{% for m in messages %}<{{ m.role }}>{{ m.content }}</>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")

@Suite struct SFTEncoderTests {
    @Test func smolLM2TrainsOnlyTheAssistantTurnsAndTheirEnd() throws {
        let (tokenizer, template) = try smolLM2Chat.get()
        let encoder = SFTEncoder(tokenizer: tokenizer, chatTemplate: template)
        #expect(encoder.bosToken == "<|im_start|>" && encoder.eosToken == "<|im_end|>")
        let records = try SFTJSONLReader().read(from: fixtureURL("sft/chat/train.jsonl")).examples
        for record in records {
            let messages = try #require(record.messages)
            let example = try encoder.encode(record)
            // The spans tokenized one by one give the ids of the whole rendering tokenized at once.
            let whole = try template.render(messages: messages, bosToken: encoder.bosToken, eosToken: encoder.eosToken)
            #expect(example.ids == tokenizer.encode(whole, addSpecialTokens: false))
            // What trains is each assistant's content and its `<|im_end|>\n`, nothing else.
            let answers = messages.filter { $0.role == "assistant" }.map { $0.content + "<|im_end|>\n" }
            #expect(trainedRuns(example).map { tokenizer.decode($0) } == answers)
            // Everything before the first answer is the prompt generation would be given.
            let firstAnswer = try #require(messages.firstIndex { $0.role == "assistant" })
            let prompt = try template.render(messages: Array(messages[..<firstAnswer]), addGenerationPrompt: true,
                                             bosToken: encoder.bosToken, eosToken: encoder.eosToken)
            let masked = example.labels.prefix { $0 == Batch.ignoreIndex }.count
            #expect(Array(example.ids.prefix(masked)) == tokenizer.encode(prompt, addSpecialTokens: false))
            #expect(example.trainedTokenCount == answers.reduce(0) { $0 + tokenizer.encode($1, addSpecialTokens: false).count })
        }
        // A prompt/completion pair is a user turn and an assistant turn.
        let pair = try encoder.encode(.promptCompletion(prompt: "What is 2 + 2?", completion: "4"))
        #expect(pair == (try encoder.encode(.chat([ChatMessage(role: "user", content: "What is 2 + 2?"),
                                                   ChatMessage(role: "assistant", content: "4")]))))
        #expect(trainedRuns(pair).map { tokenizer.decode($0) } == ["4<|im_end|>\n"])
    }

    @Test func smolLM2WithoutMaskingTrainsEverything() throws {
        let (tokenizer, template) = try smolLM2Chat.get()
        var encoder = SFTEncoder(tokenizer: tokenizer, chatTemplate: template, maskPrompt: false)
        let messages = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello")]
        let example = try encoder.encode(.chat(messages))
        #expect(example.labels == example.ids)
        #expect(example.ids == tokenizer.encode(try template.render(messages: messages), addSpecialTokens: false))
        encoder.maskPrompt = true
        #expect(try encoder.encode(.chat(messages)).ids == example.ids)
        // Text trains every token, with the tokenizer's own special tokens.
        let text = try encoder.encode(.text("The cat sat."))
        #expect(text.ids == tokenizer.encode("The cat sat.", addSpecialTokens: true) && text.labels == text.ids)
    }

    @Test func truncationKeepsTheStartAndCountsCutsAndDrops() throws {
        let encoder = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: byteTemplate, maxLength: 40)
        let records: [SFTRecord] = [
            .promptCompletion(prompt: "hi", completion: "yes"),                          // 28 tokens: kept whole
            .promptCompletion(prompt: "hi", completion: String(repeating: "a", count: 30)), // cut inside the answer
            .promptCompletion(prompt: String(repeating: "q", count: 40), completion: "no"), // cut before the answer: dropped
            .chat([ChatMessage(role: "user", content: "only a question")]),               // nothing trains: dropped
            .text("plain text"),
        ]
        let encoded = try encoder.encode(records)
        #expect(encoded.report == SFTEncodingReport(examples: 3, tokens: 28 + 40 + 11, trainedTokens: 6 + 18 + 10,
                                                    truncatedCount: 2, droppedCount: 2, longest: 40))
        #expect(encoded.report.description == "3 examples, 79 tokens (34 trained), longest 40; 2 truncated, 2 dropped")
        let first = encoded.examples[0]
        #expect(ByteTokenizer().decode(first.ids) == "<user>hi</><assistant>yes</>")
        #expect(trainedRuns(first).map { ByteTokenizer().decode($0) } == ["yes</>"])
        let cut = encoded.examples[1]
        #expect(cut.ids.count == 40 && ByteTokenizer().decode(cut.ids).hasPrefix("<user>hi</><assistant>aaa"))
        #expect(encoded.examples[2] == SFTExample(ids: ByteTokenizer().encode("plain text"), labels: ByteTokenizer().encode("plain text")))
        #expect(encoded.dataset.count == 3)
    }

    /// Enough records for several threads: the same examples, in order, as one by one, and the
    /// first failing record named.
    @Test func batchEncodingMatchesOneByOne() throws {
        let encoder = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: byteTemplate)
        let records: [SFTRecord] = (0..<300).map { i in
            i % 3 == 0 ? .text("text \(i)") : .promptCompletion(prompt: "q\(i)", completion: String(repeating: "a", count: i % 7))
        }
        let expected = try records.map { try encoder.encode($0) }.filter { $0.trainedTokenCount > 0 }
        #expect(try encoder.encode(records).examples == expected)

        var broken = records
        broken[250] = .chat([ChatMessage(role: "user", content: "x")])
        broken[170] = .chat([ChatMessage(role: "user", content: "y")])
        #expect(throws: SFTEncodingError(.noChatTemplate, record: 170)) {
            try SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: nil).encode(broken)
        }
    }

    @Test func multiTurnConversationsTrainEveryAnswer() throws {
        let encoder = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: byteTemplate)
        let example = try encoder.encode(.chat([
            ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "u1"),
            ChatMessage(role: "assistant", content: "a1"), ChatMessage(role: "user", content: "u2"),
            ChatMessage(role: "assistant", content: "a2"),
        ]))
        #expect(ByteTokenizer().decode(example.ids) == "<system>S</><user>u1</><assistant>a1</><user>u2</><assistant>a2</>")
        #expect(trainedRuns(example).map { ByteTokenizer().decode($0) } == ["a1</>", "a2</>"])
    }

    @Test func templatesThatDoNotRenderPrefixesAndMissingTemplatesAreErrors() throws {
        // Marks the last message, so the conversation's start renders differently alone.
        let marking = try ChatTemplate(source: "{% for m in messages %}{% if loop.last %}>{% endif %}{{ m.content }}{% endfor %}")
        let encoder = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: marking)
        let conversation = SFTRecord.promptCompletion(prompt: "a", completion: "b")
        #expect(throws: SFTEncodingError(.notAPrefix(messageIndex: 1))) { try encoder.encode(conversation) }
        let error = #expect(throws: SFTEncodingError.self) { try encoder.encode([.text("x"), conversation]) }
        #expect(error == SFTEncodingError(.notAPrefix(messageIndex: 1), record: 1))
        #expect(error?.description.hasPrefix("record 1: the chat template does not render") == true)

        let raising = try ChatTemplate(source: "{{ raise_exception('no system role') }}")
        let failing = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: raising)
        let failure = #expect(throws: SFTEncodingError.self) { try failing.encode(conversation) }
        #expect(failure?.description.contains("no system role") == true)

        // Without a template: a conversation cannot be rendered, a prompt/completion pair is the
        // two texts and the end-of-sequence token, as TRL trains a base model.
        let plain = SFTEncoder(tokenizer: ByteTokenizer(), chatTemplate: nil)
        #expect(throws: SFTEncodingError(.noChatTemplate)) { try plain.encode(.chat([ChatMessage(role: "user", content: "a")])) }
        let pair = try plain.encode(.promptCompletion(prompt: "ab", completion: "c"))
        #expect(pair == SFTExample(ids: [97, 98, 99, ByteTokenizer.eosID], labels: [-100, -100, 99, ByteTokenizer.eosID]))
    }
}
