import Foundation

/// Turns ``SFTRecord``s into token ids and labels for supervised fine-tuning, masking the prompt.
///
/// - Chat and prompt/completion records go through the model's chat template (a prompt and its
///   completion are one user turn and one assistant turn). With `maskPrompt` (the default) only
///   the assistant turns train: each one's content and the end-of-turn text the template writes
///   after it (`<|im_end|>\n` in ChatML), so the model learns to stop; system and user turns and
///   the assistant header are ``Batch/ignoreIndex``. Every assistant turn of a multi-turn
///   conversation trains. The rendered text is tokenized without adding special tokens, as
///   transformers' `apply_chat_template` does: the template writes them itself.
/// - Text records are `tokenizer.encode(text, addSpecialTokens: true)` and every token trains.
/// - Without a chat template, a prompt/completion record is the prompt's tokens then the
///   completion's and the end-of-sequence token (as TRL does for base models); a chat record is
///   an error.
///
/// Examples longer than `maxLength` keep their first `maxLength` tokens; those left with nothing
/// to train are dropped. ``SFTEncodingReport`` counts both.
///
/// ```swift
/// let llm = try PretrainedLLM(contentsOf: modelURL)
/// let records = try SFTJSONLReader().read(folder: dataFolder).train
/// let encoded = try llm.sftEncoder(maxLength: 256).encode(records)
/// print(encoded.report)   // 9000 examples, 512345 tokens (98765 trained), longest 201; 0 truncated, 0 dropped
/// let trainer = Trainer(model: llm.model, optimizer: optimizer, trainData: encoded.dataset,
///                       collator: SFTCollator(tokenizer: llm.tokenizer), configuration: config,
///                       loss: LanguageModelingLoss(llm.model))
/// ```
public struct SFTEncoder: Sendable {
    /// The tokenizer.
    public var tokenizer: any Tokenizer
    /// The model's chat template; nil for a base model.
    public var chatTemplate: ChatTemplate?
    /// The text the template gets as `bos_token` (from the tokenizer unless set).
    public var bosToken: String?
    /// The text the template gets as `eos_token` (from the tokenizer unless set).
    public var eosToken: String?
    /// Train only the assistant turns and completions (true) or every token (false).
    public var maskPrompt: Bool
    /// The longest example kept, in tokens; longer ones are cut to their start.
    public var maxLength: Int?

    /// An encoder; `bosToken` and `eosToken` are the tokenizer's special tokens' texts, as
    /// ``PretrainedLLM/chatPrompt(_:addGenerationPrompt:)`` passes them.
    public init(tokenizer: any Tokenizer, chatTemplate: ChatTemplate?, maskPrompt: Bool = true, maxLength: Int? = nil) {
        precondition(maxLength.map { $0 > 0 } ?? true, "SFTEncoder: maxLength must be positive, got \(maxLength ?? 0)")
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.bosToken = tokenizer.specialTokens.bos.flatMap(tokenizer.token(forID:))
        self.eosToken = tokenizer.specialTokens.eos.flatMap(tokenizer.token(forID:))
        self.maskPrompt = maskPrompt
        self.maxLength = maxLength
    }

    /// The whole (untruncated) example of one record.
    ///
    /// - Throws: ``SFTEncodingError`` (with a nil record index) when the template fails, is
    ///   missing for a chat record, or does not render a conversation's start as a prefix.
    public func encode(_ record: SFTRecord) throws(SFTEncodingError) -> SFTExample {
        try example(of: record, now: Date())
    }

    /// The examples of `records`, truncated to ``maxLength``, without those that train nothing.
    ///
    /// Records are encoded on all cores (`Threads.kernelThreads` in TensorKit); the result is the same as
    /// encoding them one by one, in order.
    ///
    /// - Throws: ``SFTEncodingError`` naming the index of the first record that fails.
    public func encode(_ records: [SFTRecord]) throws(SFTEncodingError) -> SFTEncoding {
        var report = SFTEncodingReport()
        var examples: [SFTExample] = []
        examples.reserveCapacity(records.count)
        for (index, result) in encodeConcurrently(records).enumerated() {
            var example: SFTExample
            switch result {
            case .success(let value): example = value
            case .failure(let error): throw SFTEncodingError(error.reason, record: index)
            }
            if let maxLength, example.ids.count > maxLength {
                example.ids.removeSubrange(maxLength...)
                example.labels.removeSubrange(maxLength...)
                report.truncatedCount += 1
            }
            let trained = example.trainedTokenCount
            guard trained > 0 else {
                report.droppedCount += 1
                continue
            }
            report.examples += 1
            report.tokens += example.ids.count
            report.trainedTokens += trained
            report.longest = Swift.max(report.longest, example.ids.count)
            examples.append(example)
        }
        return SFTEncoding(examples: examples, report: report)
    }

    /// Each record's untruncated example or error, in order; contiguous slices of the records go
    /// to separate threads (rendering and tokenizing share nothing mutable but the tokenizer's
    /// locked word cache).
    private func encodeConcurrently(_ records: [SFTRecord]) -> [Result<SFTExample, SFTEncodingError>] {
        let now = Date()
        let pieces = Swift.min(Threads.kernelThreads, records.count / 64)
        guard pieces > 1 else {
            return records.map { record in Result { () throws(SFTEncodingError) in try example(of: record, now: now) } }
        }
        var results = [Result<SFTExample, SFTEncodingError>](repeating: .success(SFTExample(ids: [], labels: [])), count: records.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                for index in (records.count * piece / pieces)..<(records.count * (piece + 1) / pieces) {
                    output.buffer[index] = Result { () throws(SFTEncodingError) in try example(of: records[index], now: now) }
                }
            }
        }
        return results
    }

    /// The untruncated example of `record`, every template render using `now`.
    private func example(of record: SFTRecord, now: Date) throws(SFTEncodingError) -> SFTExample {
        switch (record, chatTemplate) {
        case (.text(let text), _):
            let ids = tokenizer.encode(text, addSpecialTokens: true)
            return SFTExample(ids: ids, labels: ids)
        case let (.promptCompletion(prompt, completion), nil):
            var builder = Builder(maskPrompt: maskPrompt)
            builder.append(tokenizer.encode(prompt, addSpecialTokens: false), trained: false)
            let eos = tokenizer.specialTokens.eos.map { [$0] } ?? []
            builder.append(tokenizer.encode(completion, addSpecialTokens: false) + eos, trained: true)
            return builder.example
        case (.chat, nil):
            throw SFTEncodingError(.noChatTemplate)
        case (_, let chatTemplate?):
            return try chatExample(record.messages ?? [], template: chatTemplate, now: now)
        }
    }

    /// The example of a conversation rendered with `template`.
    private func chatExample(_ messages: [ChatMessage], template: ChatTemplate, now: Date) throws(SFTEncodingError) -> SFTExample {
        let renderer = SFTChatSegments(template: template, bosToken: bosToken, eosToken: eosToken, now: now)
        guard maskPrompt else {
            let ids = tokenizer.encode(try renderer.render(messages[...], generationPrompt: false), addSpecialTokens: false)
            return SFTExample(ids: ids, labels: ids)
        }
        // Each span is tokenized on its own. That equals tokenizing the whole rendering whenever
        // no pre-token crosses a boundary, which holds for ChatML: a turn ends before a special
        // token (`<|im_start|>`), which splits the text anyway, and the assistant header ends with
        // a newline the pre-tokenizer keeps apart from the content unless the content itself
        // starts with whitespace. Where the two differ, the spans are still a tokenization of the
        // same text, and the prompt's ids are exactly those generation feeds the model (the
        // prompt rendered alone, ending with the header), which is what should train.
        var builder = Builder(maskPrompt: true)
        for segment in try renderer.segments(of: messages) {
            builder.append(tokenizer.encode(segment.text, addSpecialTokens: false), trained: segment.trained)
        }
        return builder.example
    }

    /// Ids and labels appended span by span.
    private struct Builder {
        let maskPrompt: Bool
        var example = SFTExample(ids: [], labels: [])

        mutating func append(_ ids: [Int], trained: Bool) {
            example.ids += ids
            if trained || !maskPrompt {
                example.labels += ids
            } else {
                example.labels += repeatElement(Batch.ignoreIndex, count: ids.count)
            }
        }
    }
}

/// A buffer that threads write at disjoint indices, which the caller guarantees.
private struct DisjointWrites<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

extension PretrainedLLM {
    /// An encoder of supervised fine-tuning records with this model's tokenizer, chat template and
    /// special tokens.
    ///
    /// ```swift
    /// let encoded = try llm.sftEncoder(maxLength: 256).encode(records)
    /// ```
    public func sftEncoder(maskPrompt: Bool = true, maxLength: Int? = nil) -> SFTEncoder {
        SFTEncoder(tokenizer: tokenizer, chatTemplate: chatTemplate, maskPrompt: maskPrompt, maxLength: maxLength)
    }
}
