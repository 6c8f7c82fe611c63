import TensorKit

/// A frozen lookup table kept in its GGUF blocks (Q8_0, Q4_K, F16, ...): ``Embedding`` without
/// the float32 copy. A lookup decodes only the rows it returns.
///
/// The table is no parameter: it is not saved, counted or trained (a QLoRA base's embedding is
/// frozen). As a model's tied output head it is read through `Tensor.quantizedLinear` and
/// `Tensor.quantizedLinearCrossEntropy`, tile by tile, so logits and the training loss never
/// hold the float matrix either.
///
/// ```swift
/// let blocks = try gguf.quantizedTensor(named: "token_embd.weight")   // Q8_0 [49152, 576]
/// let table = QuantizedEmbedding(weight: blocks)
/// let vectors = table(Tensor([3, 1, 4] as [Int32]))                    // [3, 576]
/// ```
public final class QuantizedEmbedding: Module, EmbeddingLayer {
    /// The frozen table `[count, dimension]`, in its blocks.
    public let quantizedWeight: QuantizedTensor
    /// The number of rows (vocabulary size).
    public let count: Int
    /// The size of each vector.
    public let dimension: Int

    /// A table of the rows of `weight` `[count, dimension]`, of a dequantizable type.
    public init(weight: QuantizedTensor) {
        precondition(weight.shape.count == 2 && weight.shape[0] > 0 && weight.shape[1] > 0,
                     "QuantizedEmbedding: weight must be [count, dimension] with positive sizes, got \(weight.type.name) \(weight.shape)")
        precondition(weight.type.isDequantizable, "QuantizedEmbedding: \(weight.type.name) weight \(weight.shape) cannot be dequantized")
        quantizedWeight = weight
        count = weight.shape[0]
        dimension = weight.shape[1]
        super.init()
    }

    /// `embedding`'s float32 table encoded as `type` (F32, F16, BF16 or Q8_0, the types
    /// TensorKit writes).
    public convenience init(quantizing embedding: Embedding, as type: GGMLType) {
        precondition(embedding.weight.dtype == .float32,
                     "QuantizedEmbedding(quantizing:as:): needs a float32 Embedding, got \(embedding.weight.dtype)")
        self.init(weight: QuantizedTensor(quantizing: embedding.weight.detach(), as: type))
    }

    /// The table decoded to a new float32 `[count, dimension]` tensor (no gradient), built at each read.
    public var denseWeight: Tensor { quantizedWeight.dequantized() }

    /// Integer ids of any shape `S` → float32 vectors `S + [dimension]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor { Tensor.quantizedEmbedding(ids, weight: quantizedWeight) }
}
