import TensorKit

/// Layer normalisation over the last axis, as `torch.nn.LayerNorm(dim, eps, elementwise_affine)`.
///
/// With `affine`, `weight` starts at ones and `bias` at zeros.
public final class LayerNorm: Module, Layer {
    /// `[dim]` scale, or nil without affine parameters.
    public var weight: Tensor?
    /// `[dim]` shift, or nil without affine parameters.
    public var bias: Tensor?
    /// Added to the variance before the square root.
    public let eps: Double
    /// The size of the normalised (last) axis.
    public let dim: Int

    /// Normalises vectors of size `dim`.
    public init(_ dim: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType = .float32) {
        self.dim = dim
        self.eps = eps
        weight = affine ? Tensor.ones([dim], dtype: dtype).parameter() : nil
        bias = affine ? Tensor.zeros([dim], dtype: dtype).parameter() : nil
        super.init()
    }

    /// Normalises `x` `[..., dim]` over its last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == dim, "LayerNorm: input shape \(x.shape) does not end in \(dim)")
        return Tensor.layerNorm(x, weight: weight, bias: bias, eps: eps)
    }

    /// Normalises the residual sum `x + residual` in one fused op (`Tensor.layerNorm(_:residual:weight:bias:eps:)`),
    /// the post-norm step of a BERT block; the same values as `self(residual + x)`.
    public func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
        precondition(x.shape.last == dim, "LayerNorm: input shape \(x.shape) does not end in \(dim)")
        return Tensor.layerNorm(x, residual: residual, weight: weight, bias: bias, eps: eps)
    }
}

/// Root-mean-square normalisation over the last axis (LLaMA style), as `torch.nn.RMSNorm`.
///
/// `weight` starts at ones.
public final class RMSNorm: Module, Layer {
    /// `[dim]` scale, or nil without affine parameters.
    public var weight: Tensor?
    /// Added to the mean square before the square root.
    public let eps: Double
    /// The size of the normalised (last) axis.
    public let dim: Int

    /// Normalises vectors of size `dim`.
    public init(_ dim: Int, eps: Double = 1e-6, affine: Bool = true, dtype: DType = .float32) {
        self.dim = dim
        self.eps = eps
        weight = affine ? Tensor.ones([dim], dtype: dtype).parameter() : nil
        super.init()
    }

    /// Normalises `x` `[..., dim]` over its last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == dim, "RMSNorm: input shape \(x.shape) does not end in \(dim)")
        return Tensor.rmsNorm(x, weight: weight, eps: eps)
    }
}

/// Which normalisation a transformer block uses.
public enum NormKind: Sendable, Equatable {
    /// ``LayerNorm`` with weight and bias.
    case layerNorm
    /// ``RMSNorm`` with weight.
    case rmsNorm

    /// A normalisation module of this kind for vectors of size `dim`.
    public func make(_ dim: Int, eps: Double, dtype: DType) -> any Layer {
        switch self {
        case .layerNorm: LayerNorm(dim, eps: eps, dtype: dtype)
        case .rmsNorm: RMSNorm(dim, eps: eps, dtype: dtype)
        }
    }
}
