/// Softmax and log-softmax along an inner axis of a contiguous tensor, seen as `[outer, n, inner]`
/// with the softmax over `n`: every pass runs along `inner`, where elements are adjacent, over
/// a tile of columns at a time. This avoids transposing the input and keeps the output contiguous.
enum SoftmaxColumns {
    /// Columns handled together: their running maxima and sums stay in L1.
    static let tile = 64

    /// Softmax (or log-softmax) over axis 1 of the contiguous `[outer, n, inner]` buffer `px`.
    static func forward<T: FloatingScalar>(_ px: UnsafePointer<T>, into py: UnsafeMutablePointer<T>, outer: Int,
                                           n: Int, inner: Int, log: Bool) {
        let tiles = (inner + tile - 1) / tile
        Parallel.forRanges(outer * tiles, costPerItem: n * Swift.min(tile, inner) * SoftmaxRows.costPerElement) { range in
            let maxima = UnsafeMutablePointer<T>.allocate(capacity: tile)
            let sums = UnsafeMutablePointer<T>.allocate(capacity: tile)
            defer { maxima.deallocate(); sums.deallocate() }
            for item in range {
                let j0 = (item % tiles) * tile, width = Swift.min(tile, inner - j0)
                let xs = px + (item / tiles) * n * inner + j0, ys = py + (item / tiles) * n * inner + j0
                for j in 0..<width { maxima[j] = -T.infinity; sums[j] = 0 }
                for k in 0..<n {
                    let row = xs + k * inner
                    for j in 0..<width { maxima[j] = row[j] > maxima[j] ? row[j] : maxima[j] }
                }
                // Same shift rule as the row kernel: a non-finite maximum shifts by 0.
                for j in 0..<width where !maxima[j].isFinite { maxima[j] = 0 }
                for k in 0..<n {
                    let row = xs + k * inner, result = ys + k * inner
                    for j in 0..<width {
                        let e = SoftmaxRows.exp(row[j] - maxima[j])
                        result[j] = e
                        sums[j] += e
                    }
                }
                if log {
                    for j in 0..<width { sums[j] = maxima[j] + T.log(sums[j]) }
                    for k in 0..<n {
                        let row = xs + k * inner, result = ys + k * inner
                        for j in 0..<width { result[j] = row[j] - sums[j] }
                    }
                } else {
                    for j in 0..<width { sums[j] = 1 / sums[j] }
                    for k in 0..<n {
                        let result = ys + k * inner
                        for j in 0..<width { result[j] *= sums[j] }
                    }
                }
            }
        }
    }

    /// The input gradient of ``forward(_:into:outer:n:inner:log:)`` from its contiguous output `py`
    /// and the contiguous output gradient `pg`: `y (g − Σ g·y)` or `g − exp(y) Σ g`, sums over `n`.
    static func backward<T: FloatingScalar>(output py: UnsafePointer<T>, gradient pg: UnsafePointer<T>,
                                            into po: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int, log: Bool) {
        let tiles = (inner + tile - 1) / tile
        Parallel.forRanges(outer * tiles, costPerItem: n * Swift.min(tile, inner) * 4) { range in
            let sums = UnsafeMutablePointer<T>.allocate(capacity: tile)
            defer { sums.deallocate() }
            for item in range {
                let j0 = (item % tiles) * tile, width = Swift.min(tile, inner - j0)
                let base = (item / tiles) * n * inner + j0
                let ys = py + base, gs = pg + base, os = po + base
                for j in 0..<width { sums[j] = 0 }
                for k in 0..<n {
                    let yr = ys + k * inner, gr = gs + k * inner
                    if log {
                        for j in 0..<width { sums[j] += gr[j] }
                    } else {
                        for j in 0..<width { sums[j] += gr[j] * yr[j] }
                    }
                }
                for k in 0..<n {
                    let yr = ys + k * inner, gr = gs + k * inner, o = os + k * inner
                    if log {
                        for j in 0..<width { o[j] = gr[j] - SoftmaxRows.exp(yr[j]) * sums[j] }
                    } else {
                        for j in 0..<width { o[j] = yr[j] * (gr[j] - sums[j]) }
                    }
                }
            }
        }
    }
}
