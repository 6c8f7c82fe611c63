import Foundation

/// What one `train-lm` run does: the text, the tokenizer, the model's shape, the optimisation,
/// the outputs and the samples. Written into `result.json` so a run says how it was made.
public struct TrainLMSettings: Codable, Sendable, Equatable {
    /// A text file, or a folder of them.
    public var text: String
    /// The extensions read from a folder.
    public var extensions = ["txt"]
    /// A `tokenizer.json` (or a folder with one); byte-level (``ByteTokenizer``) when nil.
    public var tokenizer: String?
    /// The model's context in tokens; each training block holds one more.
    public var blockSize = 128
    /// Tokens between the starts of consecutive training blocks (`blockSize` when nil).
    public var stride: Int?
    /// Transformer blocks.
    public var layers = 4
    /// The model width.
    public var width = 128
    /// Attention heads (they divide the width).
    public var heads = 4
    /// Dropout on embeddings and sublayer outputs.
    public var dropout = 0.0
    /// Optimizer steps.
    public var steps = 1000
    /// Blocks per step.
    public var batchSize = 16
    /// AdamW's peak learning rate.
    public var learningRate = 1e-3
    /// Steps of linear warmup before the cosine decay (to a tenth of the peak).
    public var warmup = 100
    /// AdamW's weight decay.
    public var weightDecay = 0.01
    /// The fraction of the text held out for the validation loss and perplexity.
    public var validation = 0.1
    /// Steps between validation losses (0: only at the end).
    public var evaluateEvery = 100
    /// Steps between checkpoints (0: only at the end).
    public var saveEvery = 500
    /// Continue from the latest checkpoint in `output`.
    public var resume = false
    /// Steps between printed samples (0: none).
    public var sampleEvery = 0
    /// The text samples continue; empty: the start of a new document.
    public var samplePrompt = ""
    /// Tokens per printed sample.
    public var sampleLength = 200
    /// Sampling temperature (0: greedy).
    public var temperature = 0.8
    /// Sample among the most likely K tokens (0: all).
    public var topK = 40
    /// Tokens generated from `samplePrompt` after training (0: none).
    public var generate = 0
    /// Seed of the initialisation, the split, the data order, dropout and sampling.
    public var seed: UInt64 = 0
    /// The output folder: checkpoints/, metrics.jsonl, the plot, model.safetensors, result.json.
    public var output = "runs/train-lm"

    /// Settings for `text`, every other value at its default.
    public init(text: String) { self.text = text }

    /// The stride used.
    public var effectiveStride: Int { stride ?? blockSize }

    /// Rejects values no run can use, with the flag's name.
    public func validate() throws(TrainLMError) {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(TrainLMError) {
            if !condition { throw TrainLMError.invalidSetting(message()) }
        }
        // Upper bounds keep a mistyped number from asking for terabytes before anything runs.
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("--block-size", blockSize, 1...65_536), ("--layers", layers, 1...1_024), ("--width", width, 1...65_536),
            ("--heads", heads, 1...1_024), ("--steps", steps, 1...1_000_000_000), ("--batch-size", batchSize, 1...65_536),
            ("--warmup", warmup, 0...1_000_000_000), ("--eval-every", evaluateEvery, 0...1_000_000_000),
            ("--save-every", saveEvery, 0...1_000_000_000), ("--sample-every", sampleEvery, 0...1_000_000_000),
            ("--sample-length", sampleLength, 0...1_000_000), ("--top-k", topK, 0...1_000_000_000),
            ("--generate", generate, 0...1_000_000),
        ]
        for (flag, value, range) in ranges {
            try require(range.contains(value), "\(flag) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        try require(width % heads == 0, "--width \(width) is not a multiple of --heads \(heads)")
        try require((1...blockSize).contains(effectiveStride), "--stride must be in 1...\(blockSize) (the block size), got \(effectiveStride)")
        try require(learningRate > 0 && learningRate.isFinite, "--lr must be positive, got \(learningRate)")
        try require(weightDecay >= 0, "--weight-decay must be 0 or more, got \(weightDecay)")
        try require((0..<1).contains(validation), "--validation must be in [0, 1), got \(validation)")
        try require((0..<1).contains(dropout), "--dropout must be in [0, 1), got \(dropout)")
        try require(temperature >= 0 && temperature.isFinite, "--temperature must be 0 or more, got \(temperature)")
        try require(!extensions.isEmpty, "--extensions needs at least one extension")
    }
}

/// Why `train-lm` cannot run.
public enum TrainLMError: Error, Equatable, CustomStringConvertible {
    /// A flag's value cannot work.
    case invalidSetting(String)
    /// `--resume` found no checkpoint.
    case nothingToResume(folder: String)
    /// Samples need a start and the tokenizer has no end-of-sequence or beginning-of-sequence id.
    case noStartToken

    public var description: String {
        switch self {
        case .invalidSetting(let message): message
        case .nothingToResume(let folder): "--resume: no checkpoint in \(folder)/checkpoints"
        case .noStartToken: "the tokenizer has no end- or beginning-of-sequence token to start a sample from: give --sample-prompt"
        }
    }
}
