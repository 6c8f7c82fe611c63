/// `blockSize + 1` consecutive token ids: a model reads the first `blockSize` and learns to
/// predict each next one (``TokenBlockCollator`` makes the inputs and targets).
public struct TokenBlock: Sendable, Hashable {
    /// The ids, `blockSize + 1` of them.
    public var ids: [Int]

    /// A block of `ids`.
    public init(ids: [Int]) { self.ids = ids }
}

/// A token stream cut into fixed-length blocks for causal language modelling, like nanoGPT's
/// and Hugging Face's `run_clm` data: the dataset of a model trained on your own text.
///
/// **Block size is the context.** `blockSize` is the number of positions the model reads (its
/// input length, so the model needs `GPTConfig.maxPositions >= blockSize`); each block holds
/// `blockSize + 1` ids because the last input still needs its target. With the default
/// `stride == blockSize`, consecutive blocks share one id — the last target of one is the first
/// input of the next — so every token but the first is a target exactly once. A smaller stride
/// overlaps the blocks (more, correlated blocks from a small text). The last block of a stretch
/// is moved to end at its last token, so no text is left out.
///
/// Blocks cross document boundaries; the separator a ``TextCorpus`` puts between documents
/// marks them, as in GPT-2's training data.
///
/// ```swift
/// let corpus = try TextCorpus(contentsOf: url, tokenizer: tokenizer)
/// let parts = try corpus.blocks(size: 128, stride: 64, validation: 0.1, seed: 0)
/// let config = GPTConfig(vocabularySize: tokenizer.vocabularySize, maxPositions: parts.train.blockSize,
///                        dim: 128, layers: 4, heads: 4)
/// ```
public struct TextBlockDataset: Dataset, Sendable {
    /// The whole token stream (shared, never copied, by every block and split).
    public let tokens: [Int32]
    /// The model's context: each block holds `blockSize + 1` ids.
    public let blockSize: Int
    /// Where each block starts in ``tokens``.
    public let starts: [Int]

    /// Blocks of `blockSize + 1` ids starting at `starts` (each must fit in `tokens`).
    public init(tokens: [Int32], blockSize: Int, starts: [Int]) {
        precondition(blockSize > 0, "TextBlockDataset: blockSize must be positive, got \(blockSize)")
        precondition(starts.allSatisfy { $0 >= 0 && $0 + blockSize + 1 <= tokens.count },
                     "TextBlockDataset: a block start leaves fewer than \(blockSize + 1) of \(tokens.count) tokens")
        self.tokens = tokens
        self.blockSize = blockSize
        self.starts = starts
    }

    /// Every block of the stream, `stride` ids apart (`blockSize` by default; `1...blockSize`).
    /// A stream shorter than one block gives none.
    public init(tokens: [Int32], blockSize: Int, stride: Int? = nil) {
        let stride = stride ?? blockSize
        Self.checkStride(stride, blockSize: blockSize)
        self.init(tokens: tokens, blockSize: blockSize,
                  starts: Self.starts(from: 0, to: tokens.count, width: blockSize + 1, stride: stride))
    }

    public var count: Int { starts.count }

    public func example(at index: Int) -> TokenBlock {
        let start = starts[index]
        return TokenBlock(ids: tokens[start...(start + blockSize)].map { Int($0) })
    }

    /// The tokens the blocks read, overlaps counted once.
    public var coveredTokenCount: Int {
        var covered = 0, end = 0
        for start in starts.sorted() {
            covered += start + blockSize + 1 - Swift.max(start, end)
            end = Swift.max(end, start + blockSize + 1)
        }
        return covered
    }

    /// Block starts in `lower..<upper`: every `stride`, plus one ending at `upper` when the
    /// stride does not land there.
    static func starts(from lower: Int, to upper: Int, width: Int, stride: Int) -> [Int] {
        guard upper - lower >= width else { return [] }
        var starts = Array(Swift.stride(from: lower, through: upper - width, by: stride))
        if let last = starts.last, last + width < upper { starts.append(upper - width) }
        return starts
    }

    static func checkStride(_ stride: Int, blockSize: Int) {
        precondition(blockSize > 0, "TextBlockDataset: blockSize must be positive, got \(blockSize)")
        precondition((1...blockSize).contains(stride),
                     "TextBlockDataset: stride must be in 1...\(blockSize) (the block size), got \(stride)")
    }
}

/// The training and validation blocks of one corpus (``TextCorpus/blocks(size:stride:validation:seed:)``).
public struct TextBlockSplit: Sendable {
    /// Blocks to train on.
    public var train: TextBlockDataset
    /// Blocks to measure the validation loss and perplexity on; no token of them is in a
    /// training block.
    public var validation: TextBlockDataset

    /// A split of `train` and `validation` blocks.
    public init(train: TextBlockDataset, validation: TextBlockDataset) {
        self.train = train
        self.validation = validation
    }
}

extension TextCorpus {
    /// Every block of the corpus; see ``TextBlockDataset``.
    ///
    /// - Throws: ``DataError/tooShort(file:tokens:needed:)`` when the corpus holds fewer than
    ///   `size + 1` tokens.
    public func blocks(size blockSize: Int, stride: Int? = nil) throws(DataError) -> TextBlockDataset {
        let blocks = TextBlockDataset(tokens: tokens, blockSize: blockSize, stride: stride)
        guard blocks.count > 0 else { throw DataError.tooShort(file: name, tokens: tokens.count, needed: blockSize + 1) }
        return blocks
    }

    /// Training and validation blocks, split by block with a seed.
    ///
    /// The stream is cut into non-overlapping cells of `size + 1` tokens; a seeded shuffle picks
    /// the `validation` fraction of them (at least one, at most all but one) as validation
    /// blocks, and the stretches between them are cut into training blocks with `stride`. So a
    /// validation block is text the model never trained on, even when training blocks overlap,
    /// and every validation token is scored once. The same seed and corpus give the same split
    /// on every machine.
    ///
    /// - Throws: ``DataError/tooShort(file:tokens:needed:)`` when the corpus holds fewer than
    ///   two cells (`2 · (size + 1)` tokens).
    public func blocks(size blockSize: Int, stride: Int? = nil, validation: Double,
                       seed: UInt64) throws(DataError) -> TextBlockSplit {
        precondition((0...1).contains(validation), "TextCorpus.blocks: validation must be in 0...1, got \(validation)")
        let stride = stride ?? blockSize
        TextBlockDataset.checkStride(stride, blockSize: blockSize)
        let width = blockSize + 1
        let cells = tokens.count / width
        guard cells >= 2 || validation == 0 else {
            throw DataError.tooShort(file: name, tokens: tokens.count, needed: 2 * width)
        }
        var validationCount = Int((Double(cells) * validation).rounded())
        if validation > 0 { validationCount = Swift.min(cells - 1, Swift.max(1, validationCount)) }
        let chosen = Shuffle.permutation(count: cells, seed: seed).prefix(validationCount).sorted()
        var trainStarts: [Int] = []
        var stretchStart = 0
        for cell in chosen {
            trainStarts += TextBlockDataset.starts(from: stretchStart, to: cell * width, width: width, stride: stride)
            stretchStart = (cell + 1) * width
        }
        trainStarts += TextBlockDataset.starts(from: stretchStart, to: tokens.count, width: width, stride: stride)
        guard !trainStarts.isEmpty else { throw DataError.tooShort(file: name, tokens: tokens.count, needed: width) }
        return TextBlockSplit(train: TextBlockDataset(tokens: tokens, blockSize: blockSize, starts: trainStarts),
                              validation: TextBlockDataset(tokens: tokens, blockSize: blockSize,
                                                           starts: chosen.map { $0 * width }))
    }
}
