extension Tensor {
    /// Layer normalisation over the last axis, fused: `(x − mean) / sqrt(var + eps) · weight + bias`
    /// with the biased variance, as `torch.nn.functional.layer_norm(x, [D], weight, bias, eps)`.
    ///
    /// The forward saves each row's mean and reciprocal standard deviation; the backward computes
    /// the gradients of `x`, `weight` and `bias` in one sweep over the rows.
    ///
    /// ```swift
    /// let y = Tensor.layerNorm(x, weight: gamma, bias: beta)   // x: [B, T, D], gamma/beta: [D]
    /// ```
    public static func layerNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        let (rows, dim) = Tensor.normShapes(op: "layerNorm", x, weight: weight, bias: bias)
        let input = x.detachedContiguous()
        let w = weight?.detachedContiguous(), b = bias?.detachedContiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let mean = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        let rstd = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        switch x.dtype {
        case .float32:
            NormKernel.layerNormForward(input.pointer(as: Float.self), weight: w?.pointer(as: Float.self),
                                        bias: b?.pointer(as: Float.self), out: out.pointer(as: Float.self),
                                        mean: mean.pointer(as: Float.self), rstd: rstd.pointer(as: Float.self),
                                        rows: rows, dim: dim, eps: Float(eps))
        default:
            NormKernel.layerNormForward(input.pointer(as: Double.self), weight: w?.pointer(as: Double.self),
                                        bias: b?.pointer(as: Double.self), out: out.pointer(as: Double.self),
                                        mean: mean.pointer(as: Double.self), rstd: rstd.pointer(as: Double.self),
                                        rows: rows, dim: dim, eps: eps)
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        // Flags and a shape, not `x` (a strided input's base would stay alive beside its copy).
        let inputShape = x.shape, needInput = x.requiresGrad
        let needWeight: Bool? = weight.map(\.requiresGrad), needBias: Bool? = bias.map(\.requiresGrad)
        return Tensor.record("layerNorm", output: out, inputs: inputs) { gradient in
            let g = gradient.detachedContiguous()
            let grads = Tensor.normGradients(g, input, weight: w, mean: mean, rstd: rstd, rows: rows, dim: dim,
                                            needInput: needInput, needWeight: needWeight ?? false,
                                            needBias: needBias ?? false)
            var result: [Tensor?] = [grads.input?.reshape(inputShape)]
            if needWeight != nil { result.append(grads.weight) }
            if needBias != nil { result.append(grads.bias) }
            return result
        }
    }
}

/// The parts of the norm ops shared by ``Tensor/layerNorm(_:weight:bias:eps:)`` and
/// ``Tensor/rmsNorm(_:weight:eps:)``.
extension Tensor {
    /// Validates `x [..., D]` against `weight`/`bias` `[D]` and returns `(rows, D)`.
    static func normShapes(op: String, _ x: Tensor, weight: Tensor?, bias: Tensor?) -> (Int, Int) {
        precondition(x.rank >= 1, "\(op): input must have at least one axis, got shape \(x.shape)")
        precondition(x.dtype.isFloatingPoint, "\(op): input must be float32 or float64, got \(x.dtype)")
        let dim = x.shape[x.rank - 1]
        precondition(dim > 0, "\(op): last axis of shape \(x.shape) is empty")
        for (name, parameter) in [("weight", weight), ("bias", bias)] {
            guard let parameter else { continue }
            precondition(parameter.shape == [dim],
                         "\(op): \(name) of shape \(parameter.shape) does not match the last axis of input shape \(x.shape)")
            precondition(parameter.dtype == x.dtype, "\(op): \(name) is \(parameter.dtype) but input is \(x.dtype)")
        }
        return (x.count / dim, dim)
    }

    /// The gradients of a norm (``NormKernel/backward(_:_:weight:mean:rstd:dx:dwPartial:dbPartial:rows:dim:blocks:)``)
    /// as tensors: `mean == nil` is RMS norm.
    static func normGradients(_ g: Tensor, _ x: Tensor, weight: Tensor?, mean: Tensor?, rstd: Tensor,
                              rows: Int, dim: Int, needInput: Bool, needWeight: Bool, needBias: Bool)
        -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let dx = needInput ? Tensor(uninitializedShape: [rows, dim], dtype: x.dtype) : nil
        let blocks = RowBlocks.count(rows: rows, costPerRow: dim)
        let dwPartial = needWeight ? Tensor.zeros([blocks, dim], dtype: x.dtype) : nil
        let dbPartial = needBias ? Tensor.zeros([blocks, dim], dtype: x.dtype) : nil
        func run<T: FloatingScalar>(_ t: T.Type) {
            NormKernel.backward(g.pointer(as: T.self), x.pointer(as: T.self), weight: weight?.pointer(as: T.self),
                                mean: mean?.pointer(as: T.self), rstd: rstd.pointer(as: T.self),
                                dx: dx?.pointer(as: T.self), dwPartial: dwPartial?.pointer(as: T.self),
                                dbPartial: dbPartial?.pointer(as: T.self), rows: rows, dim: dim, blocks: blocks)
        }
        switch x.dtype {
        case .float32: run(Float.self)
        default: run(Double.self)
        }
        // The per-block partial sums are tiny ([blocks, D]); the core sum adds them.
        return (dx, dwPartial?.sum(axes: [0]), dbPartial?.sum(axes: [0]))
    }
}
