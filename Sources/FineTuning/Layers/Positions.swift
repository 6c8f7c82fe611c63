import Foundation
import TensorKit

/// Rotary position embedding (RoPE, Su et al. 2021) in the "rotate half" layout used by
/// LLaMA, GPT-NeoX and Hugging Face: the first and second halves of each head vector form the
/// rotated pairs, `x·cos + rotateHalf(x)·sin` with `rotateHalf(x) = [−x₂, x₁]`.
///
/// The rotation angle of pair `i` at position `p` is `p · base^(−2i/d)`, so the dot product of
/// a rotated query and key depends only on their relative position. It holds no parameters
/// (it is a value, not a ``Module``), and its tables are computed for the positions asked for,
/// so sequences of any length work.
///
/// ```swift
/// let rope = RotaryEmbedding(dimension: 16)
/// let q = rope(Tensor.normal([1, 4, 10, 16]), offset: 0)   // [B, H, L, D]
/// ```
public struct RotaryEmbedding: Sendable, Equatable {
    /// The rotated size (the head dimension); even.
    public let dimension: Int
    /// The frequency base (10 000 in most models).
    public let base: Double
    /// `base^(−2i/d)` for each pair `i`, computed once.
    private let inverseFrequencies: [Double]

    /// RoPE for head vectors of size `dimension`.
    public init(dimension: Int, base: Double = 10_000) {
        precondition(dimension > 0 && dimension % 2 == 0, "RotaryEmbedding: dimension must be even, got \(dimension)")
        self.dimension = dimension
        self.base = base
        inverseFrequencies = (0..<(dimension / 2)).map { Foundation.pow(base, -2 * Double($0) / Double(dimension)) }
    }

    /// The `cos` and `sin` tables `[length, dimension]` for positions `offset ..< offset + length`
    /// (each pair's angle in both of its columns, the layout of Hugging Face's tables).
    public func tables(length: Int, offset: Int = 0, dtype: DType = .float32) -> (cos: Tensor, sin: Tensor) {
        let (cos, sin) = halfTables(length: length, offset: offset, dtype: dtype)
        return (Tensor.concat([cos, cos], axis: 1), Tensor.concat([sin, sin], axis: 1))
    }

    /// The `cos` and `sin` of each pair's angle `[length, dimension / 2]` for positions
    /// `offset ..< offset + length`, the tables `Tensor.rotaryEmbedding(_:cos:sin:)` takes.
    ///
    /// The last few tables asked for are kept and shared (do not modify them in place): every
    /// layer of a model rotates the same positions, so each pass computes its angles once rather
    /// than once per layer.
    public func halfTables(length: Int, offset: Int = 0, dtype: DType = .float32) -> (cos: Tensor, sin: Tensor) {
        let key = RotaryTables.Key(dimension: dimension, base: base, offset: offset, length: length, dtype: dtype)
        return RotaryTables.shared.tables(for: key) {
            let half = dimension / 2
            var cosines = [Double](repeating: 0, count: length * half)
            var sines = cosines
            for p in 0..<length {
                for i in 0..<half {
                    let angle = Double(offset + p) * inverseFrequencies[i]
                    cosines[p * half + i] = Foundation.cos(angle)
                    sines[p * half + i] = Foundation.sin(angle)
                }
            }
            return (Tensor(cosines, shape: [length, half]).cast(to: dtype), Tensor(sines, shape: [length, half]).cast(to: dtype))
        }
    }

    /// Rotates `x` `[..., L, dimension]` whose sequence positions start at `offset`.
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        precondition(x.rank >= 2 && x.shape[x.rank - 1] == dimension,
                     "RotaryEmbedding: input shape \(x.shape) does not end in \(dimension)")
        let (cosTable, sinTable) = halfTables(length: x.shape[x.rank - 2], offset: offset, dtype: x.dtype)
        return Tensor.rotaryEmbedding(x, cos: cosTable, sin: sinTable)
    }

    /// Rotates every position of `x` `[..., L, dimension]` further by `shift` positions: keys
    /// rotated at positions `p` become keys at `p + shift` (rotations of one pair compose by
    /// adding angles). Batched generation uses it to move a shared prompt prefix next to a
    /// left-padded row without recomputing it.
    public func rotate(_ x: Tensor, by shift: Int) -> Tensor {
        precondition(x.rank >= 2 && x.shape[x.rank - 1] == dimension,
                     "RotaryEmbedding.rotate: input shape \(x.shape) does not end in \(dimension)")
        if shift == 0 { return x }
        let axis = x.rank - 1
        let (cosTable, sinTable) = tables(length: 1, offset: shift, dtype: x.dtype)
        let half = dimension / 2
        let rotated = Tensor.concat([-x.slice(axis: axis, half..<dimension), x.slice(axis: axis, 0..<half)], axis: axis)
        return x * cosTable + rotated * sinTable
    }
}

/// The fixed sinusoidal position encodings of "Attention Is All You Need":
/// `PE[p, 2i] = sin(p / base^(2i/d))`, `PE[p, 2i+1] = cos(p / base^(2i/d))`.
public enum SinusoidalPositions {
    /// The table `[length, dimension]` for positions `offset ..< offset + length`, to add to
    /// token embeddings (it broadcasts over the batch axis).
    public static func table(length: Int, dimension: Int, offset: Int = 0, base: Double = 10_000,
                             dtype: DType = .float32) -> Tensor {
        precondition(dimension > 0 && dimension % 2 == 0, "SinusoidalPositions: dimension must be even, got \(dimension)")
        var values = [Double](repeating: 0, count: length * dimension)
        for p in 0..<length {
            for i in 0..<(dimension / 2) {
                let angle = Double(offset + p) / Foundation.pow(base, 2 * Double(i) / Double(dimension))
                values[p * dimension + 2 * i] = Foundation.sin(angle)
                values[p * dimension + 2 * i + 1] = Foundation.cos(angle)
            }
        }
        return Tensor(values, shape: [length, dimension]).cast(to: dtype)
    }
}

/// How a model encodes token positions.
public enum PositionEncoding: Sendable, Equatable {
    /// A trained ``Embedding`` of `maxPositions` rows added to the token embeddings (GPT-2, BERT).
    case learned
    /// Fixed sine/cosine tables added to the token embeddings.
    case sinusoidal
    /// ``RotaryEmbedding`` applied to queries and keys inside attention (LLaMA).
    case rotary(base: Double)
}
