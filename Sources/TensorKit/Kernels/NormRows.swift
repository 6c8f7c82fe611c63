/// Float32 row kernels of layer norm and RMS norm on explicit 8-lane vectors (the generic
/// ``NormKernel`` loops keep float64 exact and stay scalar: their row sums are strict-order
/// reductions the auto-vectoriser must not reorder).
///
/// Forward: two passes over a row that stays in L1 (sum, then the centred sum of squares, which
/// is exact where `E[x²] − μ²` cancels), then one pass writing the output. Backward: one pass
/// that accumulates the weight and bias gradients and the two row sums together, one pass
/// writing the input gradient.
enum NormRows {
    typealias V = VectorMath.FloatVector

    /// A weight or bias row, or `fill` when there is none (a one-off `[D]` buffer, so the inner
    /// loops need no optional branches).
    struct Row {
        let pointer: UnsafePointer<Float>
        private let owned: UnsafeMutablePointer<Float>?

        init(_ p: UnsafePointer<Float>?, dim: Int, fill: Float) {
            if let p {
                pointer = p
                owned = nil
            } else {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: dim)
                buffer.initialize(repeating: fill, count: dim)
                pointer = UnsafePointer(buffer)
                owned = buffer
            }
        }

        func release() { owned?.deallocate() }
    }

    /// `mean == nil` is RMS norm (no centring, the statistic is the mean square).
    static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                        rstd: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float) {
        let w = Row(weight, dim: dim, fill: 1), b = Row(bias, dim: dim, fill: 0)
        defer { w.release(); b.release() }
        let wp = w.pointer, bp = b.pointer
        let inverseDim = 1 / Float(dim)
        let width = V.scalarCount
        Parallel.forRanges(rows, costPerItem: dim) { range in
            for r in range {
                let row = x + r * dim, y = out + r * dim
                let mu: Float
                let squares: Float
                if let mean {
                    mu = FloatRows.sum(row, dim) * inverseDim
                    squares = FloatRows.centredSquares(row, dim, shift: mu)
                    mean[r] = mu
                } else {
                    mu = 0
                    squares = FloatRows.dot(row, row, dim)
                }
                let r0 = 1 / (squares * inverseDim + eps).squareRoot()
                rstd[r] = r0
                var j = 0
                while j + width <= dim {
                    let v = (VectorMath.load(row + j) - mu) * r0 * VectorMath.load(wp + j) + VectorMath.load(bp + j)
                    VectorMath.store(v, y + j)
                    j += width
                }
                while j < dim {
                    y[j] = (row[j] - mu) * r0 * wp[j] + bp[j]
                    j += 1
                }
            }
        }
    }

    /// See ``NormKernel/backward``: `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = g·w`
    /// (RMS norm, `mean == nil`, drops `mean(ĝ)`), `dw += g·x̂` and `db += g` into the row
    /// block's partial sums.
    static func backward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                         mean: UnsafePointer<Float>?, rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         dwPartial: UnsafeMutablePointer<Float>?, dbPartial: UnsafeMutablePointer<Float>?,
                         rows: Int, dim: Int, blocks: Int) {
        let w = Row(weight, dim: dim, fill: 1)
        defer { w.release() }
        let wp = w.pointer
        let inverseDim = 1 / Float(dim)
        let width = V.scalarCount
        Parallel.forRanges(blocks, costPerItem: Swift.max(1, rows / blocks) * dim * 2) { blockRange in
            for block in blockRange {
                let dw = dwPartial.map { $0 + block * dim }, db = dbPartial.map { $0 + block * dim }
                for r in RowBlocks.rows(block, of: blocks, total: rows) {
                    let gr = g + r * dim, xr = x + r * dim
                    let mu = mean?[r] ?? 0, r0 = rstd[r]
                    // One pass: parameter gradients and both row sums.
                    var sumG0 = V(), sumGX0 = V()
                                        var j = 0
                    switch (dw, db) {
                    case let (dw?, db?):
                        while j + width <= dim {
                            let gv = VectorMath.load(gr + j), xh = (VectorMath.load(xr + j) - mu) * r0
                            VectorMath.store(VectorMath.load(dw + j) + gv * xh, dw + j)
                            VectorMath.store(VectorMath.load(db + j) + gv, db + j)
                            let gh = gv * VectorMath.load(wp + j)
                            sumG0 += gh
                            sumGX0 += gh * xh
                            j += width
                        }
                    case let (dw?, nil):
                        while j + width <= dim {
                            let gv = VectorMath.load(gr + j), xh = (VectorMath.load(xr + j) - mu) * r0
                            VectorMath.store(VectorMath.load(dw + j) + gv * xh, dw + j)
                            let gh = gv * VectorMath.load(wp + j)
                            sumG0 += gh
                            sumGX0 += gh * xh
                            j += width
                        }
                    case let (nil, db?):
                        while j + width <= dim {
                            let gv = VectorMath.load(gr + j), xh = (VectorMath.load(xr + j) - mu) * r0
                            VectorMath.store(VectorMath.load(db + j) + gv, db + j)
                            let gh = gv * VectorMath.load(wp + j)
                            sumG0 += gh
                            sumGX0 += gh * xh
                            j += width
                        }
                    case (nil, nil):
                        while j + width <= dim {
                            let gv = VectorMath.load(gr + j), xh = (VectorMath.load(xr + j) - mu) * r0
                            let gh = gv * VectorMath.load(wp + j)
                            sumG0 += gh
                            sumGX0 += gh * xh
                            j += width
                        }
                    }
                    var sumG = sumG0.sum()
                    var sumGX = sumGX0.sum()
                    while j < dim {
                        let gv = gr[j], xh = (xr[j] - mu) * r0
                        if let dw { dw[j] += gv * xh }
                        if let db { db[j] += gv }
                        let gh = gv * wp[j]
                        sumG += gh
                        sumGX += gh * xh
                        j += 1
                    }
                    guard let dx else { continue }
                    let meanG = mean == nil ? 0 : sumG * inverseDim
                    let meanGX = sumGX * inverseDim
                    let out = dx + r * dim
                    j = 0
                    while j + width <= dim {
                        let xh = (VectorMath.load(xr + j) - mu) * r0
                        let gh = VectorMath.load(gr + j) * VectorMath.load(wp + j)
                        VectorMath.store((gh - meanG - xh * meanGX) * r0, out + j)
                        j += width
                    }
                    while j < dim {
                        let xh = (xr[j] - mu) * r0
                        out[j] = (gr[j] * wp[j] - meanG - xh * meanGX) * r0
                        j += 1
                    }
                }
            }
        }
    }
}
