extension Tensor {
    /// RMS normalisation over the last axis, fused: `x / sqrt(mean(x²) + eps) · weight`, as
    /// `torch.nn.functional.rms_norm(x, [D], weight, eps)` (LLaMA-style models).
    ///
    /// The forward saves each row's reciprocal RMS; the backward computes the gradients of `x`
    /// and `weight` in one sweep over the rows.
    ///
    /// ```swift
    /// let y = Tensor.rmsNorm(x, weight: gamma, eps: 1e-6)
    /// ```
    public static func rmsNorm(_ x: Tensor, weight: Tensor? = nil, eps: Double = 1e-6) -> Tensor {
        let (rows, dim) = Tensor.normShapes(op: "rmsNorm", x, weight: weight, bias: nil)
        let input = x.detachedContiguous()
        let w = weight?.detachedContiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let rstd = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        switch x.dtype {
        case .float32:
            NormKernel.rmsNormForward(input.pointer(as: Float.self), weight: w?.pointer(as: Float.self),
                                      out: out.pointer(as: Float.self), rstd: rstd.pointer(as: Float.self),
                                      rows: rows, dim: dim, eps: Float(eps))
        default:
            NormKernel.rmsNormForward(input.pointer(as: Double.self), weight: w?.pointer(as: Double.self),
                                      out: out.pointer(as: Double.self), rstd: rstd.pointer(as: Double.self),
                                      rows: rows, dim: dim, eps: eps)
        }
        let inputs = [x] + [weight].compactMap { $0 }
        // The contiguous input, weight and row scales, plus flags and a shape: not `x` itself,
        // which would keep a strided input's whole base alive beside its contiguous copy.
        let inputShape = x.shape, needInput = x.requiresGrad
        let needWeight: Bool? = weight.map(\.requiresGrad)
        return Tensor.record("rmsNorm", output: out, inputs: inputs) { gradient in
            let g = gradient.detachedContiguous()
            let grads = Tensor.normGradients(g, input, weight: w, mean: nil, rstd: rstd, rows: rows, dim: dim,
                                            needInput: needInput, needWeight: needWeight ?? false, needBias: false)
            var result: [Tensor?] = [grads.input?.reshape(inputShape)]
            if needWeight != nil { result.append(grads.weight) }
            return result
        }
    }
}
