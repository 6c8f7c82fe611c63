/// Row kernels of layer norm and RMS norm over contiguous `[rows, dim]` buffers. Float32 rows
/// go to the explicit-vector loops of ``NormRows``; these generic loops keep float64 exact and
/// scalar (their row sums are strict-order reductions the auto-vectoriser must not reorder).
enum NormKernel {
    /// Layer norm: `out = (x − μ)·rstd·w + b` per row, saving each row's `mean` and `rstd`.
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

    /// RMS norm: `out = x·rstd·w` per row with `rstd = 1/sqrt(mean(x²) + eps)`, saving `rstd`.
    static func rmsNormForward<T: FloatingScalar>(_ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
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

    /// Gradients of both norms: with `x̂ = (x − μ)·rstd` and `ĝ = g·w`,
    /// `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))`, `dw = Σ_rows g·x̂`, `db = Σ_rows g`. RMS norm
    /// passes `mean == nil`: no centring (μ = 0) and no `mean(ĝ)` term. Weight and bias sums go to
    /// one partial row per block of rows (`dwPartial`/`dbPartial` are `[blocks, dim]`, zeroed).
    static func backward<T: FloatingScalar>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
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
