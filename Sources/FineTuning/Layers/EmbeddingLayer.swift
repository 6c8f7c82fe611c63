import TensorKit

/// A token embedding table a model can hold either dense (``Embedding``) or with its table kept
/// quantized (``QuantizedEmbedding``): ids of any shape `S` → vectors `S + [dimension]`.
///
/// ``GPT/tokenEmbedding`` is typed this way, so a quantized model (``PretrainedLLM`` with
/// `quantized: true`) keeps its embedding, and the tied output head that reads it, in the
/// file's blocks: a quarter of the float32 bytes for Q8_0.
public protocol EmbeddingLayer: InputEmbedding, Layer {
    /// The number of rows (vocabulary size).
    var count: Int { get }
    /// The size of each vector.
    var dimension: Int { get }
}

extension Embedding: EmbeddingLayer {}

extension EmbeddingLayer {
    /// The dense table parameter `[count, dimension]` of an ``Embedding``, so code written when
    /// every table was an ``Embedding`` (`model.tokenEmbedding.weight`) keeps working.
    ///
    /// A ``QuantizedEmbedding`` has no such parameter and stops here with a message: read its
    /// ``QuantizedEmbedding/quantizedWeight``, or ``QuantizedEmbedding/denseWeight`` for a float copy.
    public var weight: Tensor {
        guard let embedding = self as? Embedding else {
            preconditionFailure("\(type(of: self)) [\(count), \(dimension)] has no dense weight parameter; "
                                + "use quantizedWeight, or denseWeight for a float copy")
        }
        return embedding.weight
    }
}
