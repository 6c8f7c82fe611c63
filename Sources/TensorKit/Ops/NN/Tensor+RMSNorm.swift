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
        let (rows, dim) = NormKernel.checkShapes(op: "rmsNorm", x, weight: weight, bias: nil)
        let input = x.fusedContiguous()
        let w = weight?.fusedContiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let rstd = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        switch x.dtype {
        case .float32:
            RMSNormKernel.forward(input.pointer(as: Float.self), weight: w?.pointer(as: Float.self),
                                  out: out.pointer(as: Float.self), rstd: rstd.pointer(as: Float.self),
                                  rows: rows, dim: dim, eps: Float(eps))
        default:
            RMSNormKernel.forward(input.pointer(as: Double.self), weight: w?.pointer(as: Double.self),
                                  out: out.pointer(as: Double.self), rstd: rstd.pointer(as: Double.self),
                                  rows: rows, dim: dim, eps: eps)
        }
        let inputs = [x] + [weight].compactMap { $0 }
        return Tensor.record("rmsNorm", output: out, inputs: inputs) { gradient in
            let g = gradient.fusedContiguous()
            let grads = NormKernel.backward(g, input, weight: w, mean: nil, rstd: rstd, rows: rows, dim: dim,
                                            needInput: x.requiresGrad, needWeight: weight?.requiresGrad ?? false,
                                            needBias: false)
            var result: [Tensor?] = [grads.input?.reshape(x.shape)]
            if weight != nil { result.append(grads.weight) }
            return result
        }
    }
}

/// Forward row kernel of RMS norm (its backward is ``NormKernel/backward`` without centring).
enum RMSNormKernel {
    static func forward<T: FloatingScalar>(_ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                           out: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                           rows: Int, dim: Int, eps: T) {
        if T.self == Float.self {
            NormRows.forward(FloatRows.floats(x), weight: weight.map(FloatRows.floats), bias: nil,
                             out: FloatRows.floats(out), mean: nil, rstd: FloatRows.floats(rstd), rows: rows,
                             dim: dim, eps: unsafeBitCast(eps, to: Float.self))
            return
        }
        let inverseDim = 1 / T(dim)
        Parallel.forRanges(rows, costPerItem: dim) { range in
            for r in range {
                let row = x + r * dim, y = out + r * dim
                var squares: T = 0
                for j in 0..<dim { squares += row[j] * row[j] }
                let r0 = 1 / T.sqrt(squares * inverseDim + eps)
                rstd[r] = r0
                if let w = weight {
                    for j in 0..<dim { y[j] = row[j] * r0 * w[j] }
                } else {
                    for j in 0..<dim { y[j] = row[j] * r0 }
                }
            }
        }
    }
}
