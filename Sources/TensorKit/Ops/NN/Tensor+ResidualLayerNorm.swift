extension Tensor {
    /// Layer normalisation of a residual sum, fused: `layerNorm(x + residual, weight, bias, eps)`
    /// (the post-norm step of a BERT block, `LayerNorm(h + sublayer(h))`), with the same values
    /// as the two ops one after the other.
    ///
    /// The sum and the norm run together block of rows by block of rows, so each row is added,
    /// normalised and written while it sits in L1. When no gradient is recorded (inference),
    /// the sum is formed in the output buffer and normalised in place: no `[N, D]` tensor for
    /// it. When training, the sum is kept for the backward, which is the layer norm's, its
    /// input gradient going to both `x` and `residual`.
    ///
    /// ```swift
    /// let h = Tensor.layerNorm(attended, residual: x, weight: gamma, bias: beta, eps: 1e-12)
    /// ```
    public static func layerNorm(_ x: Tensor, residual: Tensor, weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        let op = "layerNorm(residual:)"
        precondition(residual.shape == x.shape && residual.dtype == x.dtype,
                     "\(op): residual \(residual.dtype) \(residual.shape) does not match input \(x.dtype) \(x.shape)")
        let (rows, dim) = Tensor.normShapes(op: op, x, weight: weight, bias: bias)
        let inputs = [x, residual] + [weight, bias].compactMap { $0 }
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let a = x.detachedContiguous(), r = residual.detachedContiguous()
        let w = weight?.detachedContiguous(), b = bias?.detachedContiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let sum = recording ? Tensor(uninitializedShape: x.shape, dtype: x.dtype) : out
        let mean = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        let rstd = Tensor(uninitializedShape: [rows], dtype: x.dtype)
        func run<T: FloatingScalar>(_ t: T.Type) {
            ResidualNormKernel.forward(a.pointer(as: T.self), r.pointer(as: T.self), sum: sum.pointer(as: T.self),
                                       weight: w?.pointer(as: T.self), bias: b?.pointer(as: T.self),
                                       out: out.pointer(as: T.self), mean: mean.pointer(as: T.self),
                                       rstd: rstd.pointer(as: T.self), rows: rows, dim: dim, eps: T(eps))
        }
        switch x.dtype {
        case .float32: run(Float.self)
        default: run(Double.self)
        }
        guard recording else { return out }
        // The sum and row statistics, plus flags and a shape: not the two addends, which the
        // backward never reads (the sublayer's output is freed as soon as the forward moves on).
        let inputShape = x.shape, needX = x.requiresGrad, needResidual = residual.requiresGrad
        let needWeight: Bool? = weight.map(\.requiresGrad), needBias: Bool? = bias.map(\.requiresGrad)
        return Tensor.record(op, output: out, inputs: inputs) { gradient in
            let g = gradient.detachedContiguous()
            let grads = Tensor.normGradients(g, sum, weight: w, mean: mean, rstd: rstd, rows: rows, dim: dim,
                                            needInput: needX || needResidual, needWeight: needWeight ?? false,
                                            needBias: needBias ?? false)
            let dx = grads.input?.reshape(inputShape)
            var result: [Tensor?] = [needX ? dx : nil, needResidual ? dx : nil]
            if needWeight != nil { result.append(grads.weight) }
            if needBias != nil { result.append(grads.bias) }
            return result
        }
    }
}

/// The forward of ``Tensor/layerNorm(_:residual:weight:bias:eps:)``: rows summed into `sum`
/// (which may be `out`) and normalised from there, a block of rows at a time.
enum ResidualNormKernel {
    static func forward<T: FloatingScalar>(_ x: UnsafePointer<T>, _ residual: UnsafePointer<T>,
                                           sum: UnsafeMutablePointer<T>, weight: UnsafePointer<T>?,
                                           bias: UnsafePointer<T>?, out: UnsafeMutablePointer<T>,
                                           mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                           rows: Int, dim: Int, eps: T) {
        // Blocks small enough that the norm kernel runs them on this thread, in L1/L2.
        let block = Swift.max(1, Parallel.threshold / (2 * dim))
        Parallel.forRanges((rows + block - 1) / block, costPerItem: block * dim * 2) { blocks in
            for index in blocks {
                let start = index * block, count = Swift.min(block, rows - start)
                let offset = start * dim
                let (s, a, b) = (sum + offset, x + offset, residual + offset)
                for i in 0..<(count * dim) { s[i] = a[i] + b[i] }
                NormKernel.layerNormForward(UnsafePointer(s), weight: weight, bias: bias, out: out + offset,
                                            mean: mean + start, rstd: rstd + start, rows: count, dim: dim, eps: eps)
            }
        }
    }
}
