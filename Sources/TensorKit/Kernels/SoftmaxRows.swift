/// Fused row kernels for softmax, log-softmax and log-sum-exp: one pass for the row maximum,
/// one for the exponentials and their sum, one to normalise, all on a row that stays in cache.
/// Float32 rows run on explicit 8-lane vectors (``FloatRows``); float64 keeps libm's `exp`. Rows are contiguous; callers move the reduced axis last first. Rows are split across
/// cores above a size threshold.
enum SoftmaxRows {
    /// Relative cost of one element (an `exp` costs several multiply-adds), so moderately sized
    /// inputs already use threads.
    static let costPerElement = 8

    /// Softmax (or log-softmax) of each of `rows` contiguous rows of length `n`.
    static func forward<T: FloatingScalar>(_ px: UnsafePointer<T>, into py: UnsafeMutablePointer<T>, rows: Int,
                                           rowLength n: Int, log: Bool) {
        Parallel.forRanges(rows, costPerItem: n * costPerElement) { range in
            for r in range {
                if log { logSoftmaxRow(px + r * n, py + r * n, n) } else { softmaxRow(px + r * n, py + r * n, n) }
            }
        }
    }

    /// Input gradient of softmax (`y * (g - Σ g·y)`) or log-softmax (`g - exp(y) Σ g`) per row,
    /// from the output `py` and output gradient `pg`, `rows` contiguous rows of length `n` each.
    static func backward<T: FloatingScalar>(output py: UnsafePointer<T>, gradient pg: UnsafePointer<T>,
                                            into po: UnsafeMutablePointer<T>, rows: Int, rowLength n: Int, log: Bool) {
        Parallel.forRanges(rows, costPerItem: n * (log ? costPerElement : 2)) { range in
            for r in range {
                let yr = py + r * n, gr = pg + r * n, o = po + r * n
                if log { logSoftmaxBackwardRow(yr, gr, o, n) } else { softmaxBackwardRow(yr, gr, o, n) }
            }
        }
    }

    /// Log-sum-exp of each of `rows` contiguous rows of length `n` (−∞ for empty rows).
    static func logSumExp<T: FloatingScalar>(_ px: UnsafePointer<T>, into po: UnsafeMutablePointer<T>, rows: Int,
                                             rowLength n: Int) {
        Parallel.forRanges(rows, costPerItem: Swift.max(n, 1) * costPerElement) { range in
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: scratchLength)
            defer { scratch.deallocate() }
            for r in range { po[r] = logSumExpRow(px + r * n, n, scratch: scratch) }
        }
    }

    // MARK: Row bodies

    /// The shift that keeps `exp` from overflowing: the row maximum, or 0 when that is not finite
    /// (an all −∞ row then gives exp sums of 0, hence NaN softmax and −∞ log-sum-exp, as in PyTorch).
    @inline(__always)
    static func shift<T: FloatingScalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
        let m = RowMath.maximum(x, n)
        return m.isFinite ? m : 0
    }

    @inline(__always)
    static func softmaxRow<T: FloatingScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            let x = FloatRows.floats(x), y = FloatRows.floats(y)
            let m = FloatRows.maximum(x, n)
            let total = FloatRows.exponentiate(x, y, n, shift: m.isFinite ? m : 0)
            FloatRows.scale(y, y, n, by: 1 / total)
            return
        }
        let m = shift(x, n)
        // Separate passes: the exp map vectorises, the sum runs in independent lanes.
        for i in 0..<n { y[i] = exp(x[i] - m) }
        let scale = 1 / Reduction.rowSum(y, n, 1)
        for i in 0..<n { y[i] *= scale }
    }

    @inline(__always)
    static func logSoftmaxRow<T: FloatingScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            let x = FloatRows.floats(x), y = FloatRows.floats(y)
            var m = FloatRows.maximum(x, n)
            m = m.isFinite ? m : 0
            let lse = m + Float.log(FloatRows.exponentialSum(x, n, shift: m))
            FloatRows.affine(x, y, n, scale: 1, shift: -lse)
            return
        }
        let m = shift(x, n)
        // The output row holds the exponentials until the normaliser is known.
        for i in 0..<n { y[i] = exp(x[i] - m) }
        let lse = m + T.log(Reduction.rowSum(y, n, 1))
        for i in 0..<n { y[i] = x[i] - lse }
    }

    /// `o = y·(g − Σ g·y)` for one row. `o` may be `g`.
    @inline(__always)
    static func softmaxBackwardRow<T: FloatingScalar>(_ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                      _ o: UnsafeMutablePointer<T>, _ n: Int, scale: T = 1) {
        if T.self == Float.self {
            let y = FloatRows.floats(y), g = FloatRows.floats(g), o = FloatRows.floats(o)
            let dot = FloatRows.dot(g, y, n)
            let s = unsafeBitCast(scale, to: Float.self)
            var j = 0
            while j + FloatRows.width <= n {
                VectorMath.store(VectorMath.load(y + j) * (VectorMath.load(g + j) - dot) * s, o + j)
                j += FloatRows.width
            }
            while j < n {
                o[j] = y[j] * (g[j] - dot) * s
                j += 1
            }
            return
        }
        let dot = RowMath.dot(g, y, n)
        for i in 0..<n { o[i] = y[i] * (g[i] - dot) * scale }
    }

    /// `o = g − exp(y)·Σ g` for one row of log-softmax output `y`. `o` may be `g`.
    @inline(__always)
    static func logSoftmaxBackwardRow<T: FloatingScalar>(_ y: UnsafePointer<T>, _ g: UnsafePointer<T>,
                                                         _ o: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            let y = FloatRows.floats(y), g = FloatRows.floats(g), o = FloatRows.floats(o)
            let total = FloatRows.sum(g, n)
            var j = 0
            while j + FloatRows.width <= n {
                VectorMath.store(VectorMath.load(g + j) - VectorMath.expNonPositive(VectorMath.load(y + j)) * total, o + j)
                j += FloatRows.width
            }
            while j < n {
                o[j] = g[j] - VectorMath.expNonPositive(y[j]) * total
                j += 1
            }
            return
        }
        let total = Reduction.rowSum(g, n, 1)
        for i in 0..<n { o[i] = g[i] - exp(y[i]) * total }
    }

    // MARK: For the attention kernel

    /// Softmax of one contiguous row in place, for kernels that own their rows (attention):
    /// `row[j] = exp(scale·row[j] − m) / Σ` over `j < limit`, and `row[j] = 0` for
    /// `limit ≤ j < count` (causally masked keys need not be filled with −∞ first). A row whose
    /// first `limit` entries are all −∞ (fully masked), or with `limit == 0`, becomes all zeros
    /// rather than NaN. `scale` must be positive (it multiplies the scores before the maximum
    /// is subtracted; pass 1 when the scores are already scaled).
    ///
    /// Returns the row's log-sum-exp `log Σ exp(scale·row[j])` over `j < limit`, from which
    /// ``probabilitiesInPlace(_:count:limit:logSumExp:)`` rebuilds these probabilities out of the
    /// same scores; +∞ for a row that became all zeros, so that it rebuilds as zeros too.
    ///
    /// Float32 runs on 8-lane vectors with the polynomial `exp`; float64 uses libm's `exp`.
    ///
    /// ```swift
    /// // causal attention, query i over keys 0...i of a row of lk scores:
    /// SoftmaxRows.softmaxInPlace(row, count: lk, limit: Swift.min(lk, i + 1), scale: 1)
    /// ```
    @inline(__always) @discardableResult
    static func softmaxInPlace<T: FloatingScalar>(_ row: UnsafeMutablePointer<T>, count: Int, limit: Int, scale: T) -> T {
        let limit = Swift.max(0, Swift.min(limit, count))
        if limit < count { (row + limit).update(repeating: 0, count: count - limit) }
        guard limit > 0 else { return .infinity }
        if T.self == Float.self {
            let p = FloatRows.floats(row), s = unsafeBitCast(scale, to: Float.self)
            let m = FloatRows.maximum(p, limit)
            guard m != -.infinity else { p.update(repeating: 0, count: limit); return .infinity }
            let total = FloatRows.exponentiate(p, p, limit, scale: s, shift: m * s)
            FloatRows.scale(p, p, limit, by: 1 / total)
            return unsafeBitCast(m * s + Float.log(total), to: T.self)
        }
        let m = RowMath.maximum(row, limit)
        guard m != -T.infinity else { row.update(repeating: 0, count: limit); return .infinity }
        let shift = m * scale
        for j in 0..<limit { row[j] = T.exp(row[j] * scale - shift) }
        let total = RowMath.sum(row, limit)
        let inverse = 1 / total
        for j in 0..<limit { row[j] *= inverse }
        return shift + T.log(total)
    }

    /// The probabilities of ``softmaxInPlace(_:count:limit:scale:)`` rebuilt in place from the
    /// same (already scaled, masked) scores and the log-sum-exp it returned:
    /// `row[j] = exp(row[j] − logSumExp)` for `j < limit`, 0 past it, and all zeros when
    /// `logSumExp` is +∞ (nothing to attend to). The attention backward keeps only the
    /// log-sum-exp per row instead of the probabilities.
    @inline(__always)
    static func probabilitiesInPlace<T: FloatingScalar>(_ row: UnsafeMutablePointer<T>, count: Int, limit: Int,
                                                        logSumExp: T) {
        let limit = logSumExp == .infinity ? 0 : Swift.max(0, Swift.min(limit, count))
        if limit < count { (row + limit).update(repeating: 0, count: count - limit) }
        guard limit > 0 else { return }
        if T.self == Float.self {
            let p = FloatRows.floats(row)
            _ = FloatRows.exponentiate(p, p, limit, shift: unsafeBitCast(logSumExp, to: Float.self))
            return
        }
        for j in 0..<limit { row[j] = T.exp(row[j] - logSumExp) }
    }

    /// Softmax backward of one row, for kernels that own their rows (attention):
    /// `out[j] = scale · y[j]·(g[j] − Σ g·y)` with `y` the probabilities and `g` their gradient.
    /// `out` may be `g` (in place). Float32 runs on 8-lane vectors.
    @inline(__always)
    static func softmaxBackwardInPlace<T: FloatingScalar>(probabilities y: UnsafePointer<T>, gradient g: UnsafePointer<T>,
                                                          out: UnsafeMutablePointer<T>, count: Int, scale: T) {
        softmaxBackwardRow(y, g, out, count, scale: scale)
    }

    /// Rows longer than this are exponentiated in pieces of this size into a scratch buffer.
    static let scratchLength = 1024

    /// `scratch` holds ``scratchLength`` elements: the exponentials go there first so the exp
    /// loop vectorises and the sum runs in independent lanes.
    @inline(__always)
    static func logSumExpRow<T: FloatingScalar>(_ x: UnsafePointer<T>, _ n: Int, scratch: UnsafeMutablePointer<T>) -> T {
        if T.self == Float.self {
            let x = FloatRows.floats(x)
            var m = FloatRows.maximum(x, n)
            m = m.isFinite ? m : 0
            return unsafeBitCast(m + Float.log(FloatRows.exponentialSum(x, n, shift: m)), to: T.self)
        }
        let m = shift(x, n)
        var total: T = 0
        var start = 0
        while start < n {
            let length = Swift.min(scratchLength, n - start)
            let piece = x + start  // pointer offset, not `start + i`: an overflow check would block vectorisation
            for i in 0..<length { scratch[i] = exp(piece[i] - m) }
            total += Reduction.rowSum(scratch, length, 1)
            start += length
        }
        return m + T.log(total)
    }

    /// `exp` that vectorises for `Float` (a branch-free polynomial; libm's `expf` is an opaque
    /// call that keeps loops scalar); `Double` keeps libm. The type test folds away once the
    /// generic kernel is specialised.
    @inline(__always)
    static func exp<T: FloatingScalar>(_ x: T) -> T {
        if T.self == Float.self { return unsafeBitCast(VectorMath.exp(unsafeBitCast(x, to: Float.self)), to: T.self) }
        return T.exp(x)
    }
}
