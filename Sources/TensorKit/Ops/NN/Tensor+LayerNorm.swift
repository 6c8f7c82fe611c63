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
        let (rows, dim) = NormKernel.checkShapes(op: "layerNorm", x, weight: weight, bias: bias)
        let input = x.fusedContiguous()
        let w = weight?.fusedContiguous(), b = bias?.fusedContiguous()
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
        return Tensor.record("layerNorm", output: out, inputs: inputs) { gradient in
            let g = gradient.fusedContiguous()
            let grads = NormKernel.backward(g, input, weight: w, mean: mean, rstd: rstd, rows: rows, dim: dim,
                                            needInput: x.requiresGrad, needWeight: weight?.requiresGrad ?? false,
                                            needBias: bias?.requiresGrad ?? false)
            var result: [Tensor?] = [grads.input?.reshape(x.shape)]
            if weight != nil { result.append(grads.weight) }
            if bias != nil { result.append(grads.bias) }
            return result
        }
    }
}

/// Row kernels of layer norm and RMS norm. `mean == nil` selects RMS norm (no centring).
enum NormKernel {
    /// Validates `x [..., D]` against `weight`/`bias` `[D]` and returns `(rows, D)`.
    static func checkShapes(op: String, _ x: Tensor, weight: Tensor?, bias: Tensor?) -> (Int, Int) {
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

    static func layerNormForward<T: FloatingScalar>(_ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                                    bias: UnsafePointer<T>?, out: UnsafeMutablePointer<T>,
                                                    mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                                    rows: Int, dim: Int, eps: T) {
        if T.self == Float.self {
            NormRows.forward(FloatRows.floats(x), weight: weight.map(FloatRows.floats),
                             bias: bias.map(FloatRows.floats), out: FloatRows.floats(out),
                             mean: FloatRows.floats(mean), rstd: FloatRows.floats(rstd), rows: rows, dim: dim,
                             eps: unsafeBitCast(eps, to: Float.self))
            return
        }
        let inverseDim = 1 / T(dim)
        Parallel.forRanges(rows, costPerItem: dim) { range in
            for r in range {
                let row = x + r * dim, y = out + r * dim
                var sum: T = 0
                for j in 0..<dim { sum += row[j] }
                let mu = sum * inverseDim
                // Two passes over the row: the centred sum of squares is exact where E[x²] − μ² is not.
                var squares: T = 0
                for j in 0..<dim {
                    let d = row[j] - mu
                    squares += d * d
                }
                let r0 = 1 / T.sqrt(squares * inverseDim + eps)
                mean[r] = mu
                rstd[r] = r0
                switch (weight, bias) {
                case let (w?, b?): for j in 0..<dim { y[j] = (row[j] - mu) * r0 * w[j] + b[j] }
                case let (w?, nil): for j in 0..<dim { y[j] = (row[j] - mu) * r0 * w[j] }
                case let (nil, b?): for j in 0..<dim { y[j] = (row[j] - mu) * r0 + b[j] }
                case (nil, nil): for j in 0..<dim { y[j] = (row[j] - mu) * r0 }
                }
            }
        }
    }

    /// Gradients of a norm: with `x̂ = (x − μ)·rstd` and `ĝ = g·w`,
    /// `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` (layer norm; RMS norm drops the `mean(ĝ)` term),
    /// `dw = Σ_rows g·x̂`, `db = Σ_rows g`. Weight and bias sums are kept per row block.
    static func backward(_ g: Tensor, _ x: Tensor, weight: Tensor?, mean: Tensor?, rstd: Tensor,
                         rows: Int, dim: Int, needInput: Bool, needWeight: Bool, needBias: Bool)
        -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let dx = needInput ? Tensor(uninitializedShape: [rows, dim], dtype: x.dtype) : nil
        let blocks = RowBlocks.count(rows: rows, costPerRow: dim)
        let dwPartial = needWeight ? Tensor.zeros([blocks, dim], dtype: x.dtype) : nil
        let dbPartial = needBias ? Tensor.zeros([blocks, dim], dtype: x.dtype) : nil
        func run<T: FloatingScalar>(_ t: T.Type) {
            backwardKernel(g.pointer(as: T.self), x.pointer(as: T.self), weight: weight?.pointer(as: T.self),
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

    static func backwardKernel<T: FloatingScalar>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                                  mean: UnsafePointer<T>?, rstd: UnsafePointer<T>,
                                                  dx: UnsafeMutablePointer<T>?, dwPartial: UnsafeMutablePointer<T>?,
                                                  dbPartial: UnsafeMutablePointer<T>?, rows: Int, dim: Int, blocks: Int) {
        if T.self == Float.self {
            NormRows.backward(FloatRows.floats(g), FloatRows.floats(x), weight: weight.map(FloatRows.floats),
                              mean: mean.map(FloatRows.floats), rstd: FloatRows.floats(rstd),
                              dx: dx.map(FloatRows.floats), dwPartial: dwPartial.map(FloatRows.floats),
                              dbPartial: dbPartial.map(FloatRows.floats), rows: rows, dim: dim, blocks: blocks)
            return
        }
        let inverseDim = 1 / T(dim)
        Parallel.forRanges(blocks, costPerItem: Swift.max(1, rows / blocks) * dim) { blockRange in
            for block in blockRange {
                let dw = dwPartial.map { $0 + block * dim }, db = dbPartial.map { $0 + block * dim }
                for r in RowBlocks.rows(block, of: blocks, total: rows) {
                    let gr = g + r * dim, xr = x + r * dim
                    let mu = mean?[r] ?? 0, r0 = rstd[r]
                    if let dw { for j in 0..<dim { dw[j] += gr[j] * (xr[j] - mu) * r0 } }
                    if let db { for j in 0..<dim { db[j] += gr[j] } }
                    guard let dx else { continue }
                    var sumG: T = 0, sumGX: T = 0
                    if let w = weight {
                        for j in 0..<dim {
                            let gh = gr[j] * w[j]
                            sumG += gh
                            sumGX += gh * (xr[j] - mu) * r0
                        }
                    } else {
                        for j in 0..<dim {
                            sumG += gr[j]
                            sumGX += gr[j] * (xr[j] - mu) * r0
                        }
                    }
                    let meanG = mean == nil ? 0 : sumG * inverseDim
                    let meanGX = sumGX * inverseDim
                    let out = dx + r * dim
                    if let w = weight {
                        for j in 0..<dim { out[j] = r0 * (gr[j] * w[j] - meanG - (xr[j] - mu) * r0 * meanGX) }
                    } else {
                        for j in 0..<dim { out[j] = r0 * (gr[j] - meanG - (xr[j] - mu) * r0 * meanGX) }
                    }
                }
            }
        }
    }
}
