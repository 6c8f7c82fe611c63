/// One encoded supervised fine-tuning example: token ids and, aligned with them, the label of
/// each position — the id itself where the model learns it, ``Batch/ignoreIndex`` where it does
/// not (a masked prompt).
///
/// Labels are aligned with `ids`, not shifted: ``SFTCollator`` makes the next-token targets, so
/// `labels[0]` never trains.
///
/// ```swift
/// let example = SFTExample(ids: [1, 9, 4, 2], labels: [-100, -100, 4, 2])
/// example.trainedTokenCount   // 2
/// ```
public struct SFTExample: Sendable, Hashable, SequenceLengthMeasurable {
    /// The token ids.
    public var ids: [Int]
    /// `ids[i]` where position `i` trains, ``Batch/ignoreIndex`` where it is masked.
    public var labels: [Int]

    /// An example; `labels` must have one entry per id.
    public init(ids: [Int], labels: [Int]) {
        precondition(ids.count == labels.count, "SFTExample: \(ids.count) ids but \(labels.count) labels")
        self.ids = ids
        self.labels = labels
    }

    /// The number of tokens, for length-grouped batching.
    public var sequenceLength: Int { ids.count }

    /// The positions that train as next-token targets (every label after the first that is not
    /// ``Batch/ignoreIndex``).
    public var trainedTokenCount: Int {
        var count = 0
        for label in labels.dropFirst() where label != Batch.ignoreIndex { count += 1 }
        return count
    }
}

/// What encoding a list of records did: how many examples and tokens remain, and how many
/// examples `maxLength` cut or left with nothing to train.
public struct SFTEncodingReport: Sendable, Equatable, CustomStringConvertible {
    /// Examples kept.
    public var examples: Int
    /// Tokens in the kept examples (after truncation).
    public var tokens: Int
    /// Next-token targets that train in the kept examples.
    public var trainedTokens: Int
    /// Examples longer than `maxLength`, cut to it (kept or dropped).
    public var truncatedCount: Int
    /// Examples dropped because no target trains (a conversation without an assistant turn, or
    /// one whose answer truncation cut away entirely).
    public var droppedCount: Int
    /// The longest kept example, in tokens.
    public var longest: Int

    /// A report of these counts.
    public init(examples: Int = 0, tokens: Int = 0, trainedTokens: Int = 0, truncatedCount: Int = 0,
                droppedCount: Int = 0, longest: Int = 0) {
        self.examples = examples
        self.tokens = tokens
        self.trainedTokens = trainedTokens
        self.truncatedCount = truncatedCount
        self.droppedCount = droppedCount
        self.longest = longest
    }

    /// One line for a log: `1000 examples, 61234 tokens (12000 trained), longest 187; 3 truncated, 1 dropped`.
    public var description: String {
        "\(examples) examples, \(tokens) tokens (\(trainedTokens) trained), longest \(longest); "
            + "\(truncatedCount) truncated, \(droppedCount) dropped"
    }
}

/// Encoded examples with the report of their encoding.
public struct SFTEncoding: Sendable {
    /// The examples kept, in record order.
    public var examples: [SFTExample]
    /// What encoding did.
    public var report: SFTEncodingReport

    /// The examples as a dataset for a ``Trainer``.
    public var dataset: ArrayDataset<SFTExample> { ArrayDataset(examples) }
}

/// Why a record could not be encoded.
public struct SFTEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// A chat record, but the model has no chat template.
        case noChatTemplate
        /// The chat template failed to render (its error message).
        case templateFailed(String)
        /// The template renders the conversation up to this message (with the assistant's header
        /// opened, or up to the end of this assistant turn) as something other than the start of
        /// the whole conversation, so the assistant's tokens cannot be located. Templates that
        /// rewrite earlier turns (some drop the reasoning of past answers) do this.
        case notAPrefix(messageIndex: Int)
    }

    /// What went wrong.
    public var reason: Reason
    /// The index of the record in the list being encoded; nil when a single record was encoded.
    public var record: Int?

    /// An error for `reason`, at `record`.
    public init(_ reason: Reason, record: Int? = nil) {
        self.reason = reason
        self.record = record
    }

    public var description: String {
        let place = record.map { "record \($0): " } ?? ""
        switch reason {
        case .noChatTemplate:
            return place + "a chat record needs a chat template, and the model has none"
        case .templateFailed(let message):
            return place + "the chat template failed: \(message)"
        case .notAPrefix(let index):
            return place + "the chat template does not render the conversation up to message \(index) as the start "
                + "of the whole conversation, so the assistant tokens cannot be located"
        }
    }
}
