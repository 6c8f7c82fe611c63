/// Row kernels of the fused cross-entropy over contiguous `[rows, classes]` logits.
enum CrossEntropyKernel {
    /// Largest logits tensor (elements) whose softmax the forward keeps for the backward
    /// (64 MB of float32); above it the backward recomputes the exponentials from the saved
    /// log-sum-exp.
    static let savedProbabilityLimit = 1 << 24

    /// Per row: `lse = log Σ exp(x)` and `loss = lse − (1 − ε)·x[y] − ε·mean(x)` (0 when ignored);
    /// also the softmax into `probabilities` when given.
    static func forward<T: KernelFloat>(_ x: UnsafePointer<T>, _ labels: UnsafeBufferPointer<Int>, rows: Int,
                                        classes: Int, ignoreIndex: Int, smoothing: T,
                                        losses: UnsafeMutablePointer<T>, lse: UnsafeMutablePointer<T>,
                                        probabilities: UnsafeMutablePointer<T>?) {
        let c = classes
        let inverseClasses = 1 / T(c)
        Parallel.forRanges(rows, costPerItem: c * 4) { range in
            for r in range {
                let row = x + r * c
                let maximum = RowMath.maximum(row, c)
                let total: T
                let p = probabilities.map { $0 + r * c }
                if T.self == Float.self {
                    let shift = unsafeBitCast(maximum, to: Float.self)
                    if let p {
                        let pf = FloatRows.floats(p)
                        let sum = FloatRows.exponentiate(FloatRows.floats(row), pf, c, shift: shift)
                        FloatRows.scale(pf, pf, c, by: 1 / sum)
                        total = unsafeBitCast(sum, to: T.self)
                    } else {
                        total = unsafeBitCast(FloatRows.exponentialSum(FloatRows.floats(row), c, shift: shift), to: T.self)
                    }
                } else {
                    var s: T = 0
                    for j in 0..<c { s += T.exponential(row[j] - maximum) }
                    total = s
                    if let p { for j in 0..<c { p[j] = T.exponential(row[j] - maximum) / s } }
                }
                let logSumExp = maximum + T.log(total)
                let plain = smoothing == 0 ? 0 : RowMath.sum(row, c)
                lse[r] = logSumExp
                let label = labels[r]
                if label == ignoreIndex {
                    losses[r] = 0
                } else {
                    losses[r] = logSumExp - (1 - smoothing) * row[label] - smoothing * plain * inverseClasses
                }
            }
        }
    }

    /// Per row: `dx = s · (softmax(x) − (1 − ε)·onehot(y) − ε/C)` with `s` the row's upstream
    /// gradient (or `scale`); zero rows for ignored targets. The softmax comes from the forward's
    /// `probabilities` when it kept them, else from `exp(x − lse)`.
    static func backward<T: KernelFloat>(_ x: UnsafePointer<T>, _ labels: UnsafeBufferPointer<Int>,
                                         lse: UnsafePointer<T>, probabilities: UnsafePointer<T>?,
                                         rowGradients: UnsafePointer<T>?, scale: T,
                                         rows: Int, classes: Int, ignoreIndex: Int, smoothing: T,
                                         dx: UnsafeMutablePointer<T>) {
        let c = classes
        let uniform = smoothing / T(c)
        Parallel.forRanges(rows, costPerItem: c * 4) { range in
            for r in range {
                let row = x + r * c, out = dx + r * c
                let label = labels[r]
                if label == ignoreIndex {
                    out.update(repeating: 0, count: c)
                    continue
                }
                let s = rowGradients.map { $0[r] } ?? scale
                let shift = lse[r]
                if let p = probabilities.map({ $0 + r * c }) {
                    if T.self == Float.self {
                        FloatRows.affine(FloatRows.floats(p), FloatRows.floats(out), c, scale: unsafeBitCast(s, to: Float.self),
                                         shift: unsafeBitCast(-s * uniform, to: Float.self))
                    } else {
                        for j in 0..<c { out[j] = p[j] * s - s * uniform }
                    }
                } else if T.self == Float.self {
                    let xf = FloatRows.floats(row), of = FloatRows.floats(out)
                    let sf = unsafeBitCast(s, to: Float.self), shiftf = unsafeBitCast(shift, to: Float.self)
                    let uniformf = unsafeBitCast(uniform, to: Float.self)
                    var j = 0
                    while j + FloatRows.width <= c {
                        VectorMath.store((VectorMath.expNonPositive(VectorMath.load(xf + j) - shiftf) - uniformf) * sf, of + j)
                        j += FloatRows.width
                    }
                    while j < c {
                        of[j] = sf * (VectorMath.expNonPositive(xf[j] - shiftf) - uniformf)
                        j += 1
                    }
                } else {
                    for j in 0..<c { out[j] = s * (T.exponential(row[j] - shift) - uniform) }
                }
                out[label] -= s * (1 - smoothing)
            }
        }
    }
}

extension CrossEntropyKernel {
    /// Per row of contiguous `[rows, classes]` logits, every target a valid class: the loss
    /// `lse − x[y]` into `losses`, and, when `scale` is given, the logits overwritten by their
    /// gradient `scale · (softmax(x) − onehot(y))` (the fused LM head's chunks never need the
    /// logits again, so the gradient takes their place instead of a second buffer).
    static func lossAndGradientInPlace<T: KernelFloat>(_ x: UnsafeMutablePointer<T>, _ labels: UnsafePointer<Int>,
                                                       rows: Int, classes: Int, scale: T?,
                                                       losses: UnsafeMutablePointer<T>) {
        let c = classes
        Parallel.forRanges(rows, costPerItem: c * 4) { range in
            for r in range {
                let row = x + r * c
                let label = labels[r]
                let target = row[label]
                let maximum = RowMath.maximum(row, c)
                var total: T
                if T.self == Float.self {
                    let rowFloats = FloatRows.floats(row), shift = unsafeBitCast(maximum, to: Float.self)
                    total = unsafeBitCast(scale == nil ? FloatRows.exponentialSum(rowFloats, c, shift: shift)
                                                       : FloatRows.exponentiate(rowFloats, rowFloats, c, shift: shift),
                                          to: T.self)
                } else {
                    total = 0
                    if scale == nil {
                        for j in 0..<c { total += T.exponential(row[j] - maximum) }
                    } else {
                        for j in 0..<c {
                            row[j] = T.exponential(row[j] - maximum)
                            total += row[j]
                        }
                    }
                }
                losses[r] = maximum + T.log(total) - target
                guard let scale else { continue }
                // row holds exp(x − max): × scale / Σ gives scale · softmax.
                if T.self == Float.self {
                    let rowFloats = FloatRows.floats(row)
                    FloatRows.scale(rowFloats, rowFloats, c, by: unsafeBitCast(scale / total, to: Float.self))
                } else {
                    let factor = scale / total
                    for j in 0..<c { row[j] *= factor }
                }
                row[label] -= scale
            }
        }
    }
}
