import TensorKit

/// A lookup table of `count` vectors of size `dimension`, as `torch.nn.Embedding`.
///
/// `weight` is `[count, dimension]`, initialised from a standard normal (PyTorch's default).
///
/// ```swift
/// let table = Embedding(100, 16)
/// let vectors = table(Tensor([3, 1, 4] as [Int32]))   // [3, 16]
/// ```
public final class Embedding: Module, Layer, InputEmbedding {
    /// `[count, dimension]`.
    public var weight: Tensor
    /// The number of rows (vocabulary size).
    public let count: Int
    /// The size of each vector.
    public let dimension: Int

    /// A table of `count` vectors of size `dimension`.
    public init(_ count: Int, _ dimension: Int, dtype: DType = .float32, generator: Generator? = nil) {
        precondition(count > 0 && dimension > 0, "Embedding: sizes must be positive, got \(count) × \(dimension)")
        self.count = count
        self.dimension = dimension
        weight = (ParameterInitialization.isSkipped ? Tensor.zeros([count, dimension], dtype: dtype)
                  : Tensor.normal([count, dimension], dtype: dtype, generator: generator)).parameter()
        super.init()
    }

    /// Integer ids of any shape `S` → vectors `S + [dimension]`.
    public func callAsFunction(_ ids: Tensor) -> Tensor { Tensor.embedding(ids, weight: weight) }
}

/// A module that turns token ids into vectors at the bottom of a model (an ``Embedding`` table,
/// BERT's ``EncoderEmbeddings`` block): what ``PartialFineTuning/Rule/freezeEmbeddings`` freezes.
/// A model's own embedding block declares this conformance to be frozen with the tables.
public protocol InputEmbedding: Module {}
