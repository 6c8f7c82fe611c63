import Foundation
import TensorKit

/// Sentence embeddings from a pretrained encoder, computed as sentence-transformers does for
/// all-MiniLM-L6-v2: tokenize (truncating to ``maxLength``), run the encoder, average the hidden
/// states over real tokens (``meanPooling(_:mask:)``), then L2-normalise.
///
/// Texts are processed in batches of ``batchSize``, sorted by token count first (results come
/// back in input order). Each batch runs packed, its sequences end to end without padding
/// (``Encoder/callAsFunction(packed:sequenceLengths:tokenTypes:)``), so no work goes to padding
/// tokens; the vectors equal those of a padded, masked batch. Inference runs with gradients
/// disabled; the encoder is put in evaluation mode.
///
/// ```swift
/// let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: "data/all-MiniLM-L6-v2"))
/// let vectors = embedder.embed(["A cat sits.", "A dog runs."])   // 2 × 384, unit length
/// ```
public struct SentenceEmbedder {
    /// The encoder (in evaluation mode).
    public let encoder: Encoder
    /// The tokenizer matching the encoder's vocabulary.
    public let tokenizer: any Tokenizer
    /// Longest token sequence, special tokens included; longer texts are truncated.
    public var maxLength: Int
    /// Texts per forward pass.
    public var batchSize: Int
    /// Whether to L2-normalise the pooled vectors (sentence-transformers' `Normalize` module).
    public var normalize: Bool

    /// An embedder over a loaded encoder and tokenizer.
    public init(encoder: Encoder, tokenizer: any Tokenizer, maxLength: Int = 128, batchSize: Int = 32,
                normalize: Bool = true) {
        precondition(maxLength > 0 && batchSize > 0,
                     "SentenceEmbedder: maxLength (\(maxLength)) and batchSize (\(batchSize)) must be positive")
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.maxLength = min(maxLength, encoder.config.maxPositions)
        self.batchSize = batchSize
        self.normalize = normalize
        encoder.eval()
    }

    /// An embedder over the pretrained model in `directory` (see ``PretrainedEncoder``).
    public init(directory: URL, maxLength: Int = 128, batchSize: Int = 32) throws(PretrainedError) {
        let model = try PretrainedEncoder(directory: directory)
        self.init(encoder: model.encoder, tokenizer: model.tokenizer, maxLength: maxLength, batchSize: batchSize)
    }

    /// One embedding per text, in order.
    public func embed(_ texts: [String]) -> [[Float]] {
        embedWithTokens(texts).map(\.embedding)
    }

    /// One embedding per text with the token ids the encoder saw (special tokens included).
    public func embedWithTokens(_ texts: [String]) -> [(ids: [Int], embedding: [Float])] {
        let encoded = tokenizer.encodeBatch(texts, padding: .none, maxLength: maxLength)
        // A text with no tokens at all (a tokenizer without special tokens, an empty line) pools
        // over nothing: a zero vector, as the masked mean of a padded batch gives.
        let zero = [Float](repeating: 0, count: encoder.config.dim)
        var results = texts.indices.map { (ids: encoded.ids[$0], embedding: zero) }
        let order = texts.indices.filter { !encoded.ids[$0].isEmpty }
            .sorted { encoded.ids[$0].count > encoded.ids[$1].count }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let chunk = Array(order[start..<min(start + batchSize, order.count)])
            let vectors = embeddings(ofSequences: chunk.map { encoded.ids[$0] })
            let dim = vectors.shape[1]
            let flat = vectors.contiguous().scalars(as: Float.self)
            for (row, index) in chunk.enumerated() {
                results[index] = (encoded.ids[index], Array(flat[row * dim..<(row + 1) * dim]))
            }
        }
        return results
    }

    /// Pooled (and, if ``normalize``, unit-length) float32 embeddings `[B, dim]` for an encoded,
    /// padded batch.
    public func embeddings(of batch: BatchEncoding) -> Tensor {
        withGradientsDisabled {
            let mask = batch.attentionMaskTensor()
            let hidden = encoder(batch.idsTensor(), tokenTypes: batch.tokenTypeIDsTensor(), mask: mask)
            return finished(meanPooling(hidden, mask: mask))
        }
    }

    /// Pooled (and, if ``normalize``, unit-length) float32 embeddings `[B, dim]` for the
    /// tokenizer's id sequences (special tokens included, so none is empty; truncated to
    /// ``maxLength``), run packed without padding. Private: its ids come only from the tokenizer,
    /// so they index the vocabulary.
    private func embeddings(ofSequences sequences: [[Int]]) -> Tensor {
        let lengths = sequences.map(\.count)
        return withGradientsDisabled {
            let ids = sequences.flatMap { $0.map(Int64.init) }
            let hidden = encoder(packed: Tensor(ids, shape: [ids.count]), sequenceLengths: lengths)
            return finished(meanPooling(hidden, sequenceLengths: lengths))
        }
    }

    /// `pooled` L2-normalised when ``normalize`` says so, as float32.
    private func finished(_ pooled: Tensor) -> Tensor {
        guard normalize else { return pooled.cast(to: .float32) }
        // torch.nn.functional.normalize: x / max(‖x‖, 1e-12)
        let norms = (pooled * pooled).sum(axes: [1]).sqrt().clamp(min: 1e-12).unsqueezed(axis: 1)
        return (pooled / norms).cast(to: .float32)
    }
}
