/// Kernels of the fused attention: per (batch, head) BLAS products, and the masked row softmax
/// (and its backward) threaded across all `B·H·Lq` rows at once.
enum AttentionKernel {
    struct Sizes {
        var batch, heads, queries, keys, depth, valueDepth: Int
        var pairs: Int { batch * heads }
    }

    /// Causal attention whose queries may sit after some keys: query `i` attends to keys
    /// `j ≤ i + offset` (offset 0: top-left aligned, PyTorch's `is_causal`; `Lk − Lq`: the queries
    /// are the last `Lq` positions, as with a KV cache).
    struct Causal {
        var offset: Int

        /// Keys query `i` of `keys` may attend to: `0 ..< limit`.
        @inline(__always)
        func limit(_ i: Int, keys: Int) -> Int { Swift.max(0, Swift.min(keys, i + offset + 1)) }
    }

    /// Causal forward products run over blocks of this many query rows, each only as far as its
    /// last row's limit, so about half of `q·kᵀ` and `p·v` is skipped on long sequences.
    static let causalBlockRows = 64

    /// A mask as its first element and its element strides over `[B, H, Lq, Lk]` (0 on
    /// broadcast axes): bool (true = attend) or additive of the scores' type.
    struct MaskSpec {
        let pointer: UnsafeRawPointer
        let isBool: Bool
        let strides: [Int]
    }

    /// The `[Lq|Lk, D]` matrices of every (batch, head) pair of a rank-4 tensor whose last axis is
    /// unit-stride: BLAS reads each through its row stride, so `[B, L, H, D]` memory viewed as
    /// `[B, H, L, D]` (the projections' natural layout) needs no copy.
    ///
    /// Keys and values of grouped-query attention have `heads / group` heads: query head `h`
    /// reads key/value head `h / group`, so pair `(b, h)` maps to their matrix `(b, h / group)`.
    struct Heads<T> {
        let base: UnsafeMutablePointer<T>
        let batchStride, headStride, rowStride, heads, group: Int

        /// `base` is the first element of a `[B, H, L, D]` tensor with this `layout`, serving
        /// `group` query heads per head.
        init(_ base: UnsafeMutablePointer<T>, _ layout: Layout, group: Int = 1) {
            self.base = base
            let (shape, strides) = (layout.shape, layout.strides)
            (batchStride, headStride, heads, self.group) = (strides[0], strides[1], shape[1], group)
            rowStride = shape[2] <= 1 ? Swift.max(1, shape[3]) : strides[2]
        }

        /// The matrix that (batch, query head) pair `pair` reads.
        @inline(__always)
        func matrix(_ pair: Int) -> UnsafeMutablePointer<T> {
            let queryHeads = heads * group
            return base + (pair / queryHeads) * batchStride + ((pair % queryHeads) / group) * headStride
        }
    }

    /// How many consecutive query heads one product serves: the heads sharing a key/value head
    /// run as one product when their few query rows (decoding) are contiguous, instead of one
    /// tiny product per head.
    static func productUnit<T>(_ q: Heads<T>, _ k: Heads<T>, queries lq: Int) -> Int {
        k.group > 1 && lq * k.group <= causalBlockRows && q.headStride == lq * q.rowStride ? k.group : 1
    }

    /// The row blocks of a unit of `unit` query heads and the keys each reaches: all rows and
    /// keys without a causal limit, else blocks of ``causalBlockRows`` rows reaching as far as
    /// their last row's limit (a unit of several heads has at most one block's rows).
    static func rowBlocks(queries lq: Int, keys lk: Int, unit: Int, causal: Causal?) -> [(rows: Range<Int>, keys: Int)] {
        guard unit == 1, let causal else { return [(0..<(unit * lq), causal?.limit(lq - 1, keys: lk) ?? lk)] }
        return stride(from: 0, to: lq, by: causalBlockRows).map { start in
            let end = Swift.min(lq, start + causalBlockRows)
            return (start..<end, causal.limit(end - 1, keys: lk))
        }
    }

    /// `c = a·b` for one pair (or a unit of pairs), block by block: `a` is `[rows, Lk]` and zero
    /// past each row block's keys, so stopping at the block's limit is exact; `b` is `[Lk, columns]`.
    /// A block without keys (no key to attend to) gets zero rows.
    static func blockedProduct<T: KernelFloat>(_ a: UnsafePointer<T>, keys lk: Int, _ b: UnsafePointer<T>, ldb: Int,
                                               columns: Int, blocks: [(rows: Range<Int>, keys: Int)],
                                               into c: UnsafeMutablePointer<T>, ldc: Int) {
        for block in blocks {
            let target = c + block.rows.lowerBound * ldc
            guard block.keys > 0 else {
                for row in 0..<block.rows.count { (target + row * ldc).update(repeating: 0, count: columns) }
                continue
            }
            GEMM.gemm(transA: false, transB: false, m: block.rows.count, n: columns, k: block.keys, alpha: 1,
                      a: a + block.rows.lowerBound * lk, lda: lk, b: b, ldb: ldb, beta: 0, c: target, ldc: ldc)
        }
    }

    /// `scores = q·kᵀ · scale` for every pair, `[pairs, Lq, Lk]`. Under a causal limit only the
    /// scores up to each row block's limit are written; the softmax never reads the others.
    /// The backward's recomputation runs the very products of the forward, so it gets the
    /// forward's scores back exactly.
    static func scores<T: KernelFloat>(_ q: Heads<T>, _ k: Heads<T>, sizes s: Sizes, scale: T, causal: Causal?,
                                       into scores: UnsafeMutablePointer<T>) {
        let (lq, lk, d) = (s.queries, s.keys, s.depth)
        let unit = productUnit(q, k, queries: lq)
        let blocks = rowBlocks(queries: lq, keys: lk, unit: unit, causal: causal)
        for first in stride(from: 0, to: s.pairs, by: unit) {
            for block in blocks where block.keys > 0 {
                GEMM.gemm(transA: false, transB: true, m: block.rows.count, n: block.keys, k: d, alpha: scale,
                          a: q.matrix(first) + block.rows.lowerBound * q.rowStride, lda: q.rowStride,
                          b: k.matrix(first), ldb: k.rowStride,
                          beta: 0, c: scores + (first * lq + block.rows.lowerBound) * lk, ldc: lk)
            }
        }
    }

    /// Computes `out` and each row's log-sum-exp of its masked scores into `logSumExp`
    /// (`[pairs, Lq]`, +∞ for a row with nothing to attend to), which is all the backward needs
    /// to rebuild the probabilities. `probabilities` (`[pairs, Lq, Lk]`) is working memory.
    /// `dropMask` (0 or `1/(1−p)` per score, from `Tensor.dropoutMask`) drops attention
    /// probabilities: the product with V then reads `dropped = probabilities ∘ dropMask`.
    static func forward<T: KernelFloat>(_ q: Heads<T>, _ k: Heads<T>, _ v: Heads<T>,
                                        sizes s: Sizes, scale: T, causal: Causal?, mask: MaskSpec?,
                                        probabilities: UnsafeMutablePointer<T>, logSumExp: UnsafeMutablePointer<T>,
                                        dropMask: UnsafePointer<T>? = nil, dropped: UnsafeMutablePointer<T>? = nil,
                                        out: Heads<T>) {
        let (lq, lk, dv) = (s.queries, s.keys, s.valueDepth)
        scores(q, k, sizes: s, scale: scale, causal: causal, into: probabilities)
        forEachMaskedRow(probabilities, sizes: s, causal: causal, mask: mask) { row, index, limit in
            logSumExp[index] = SoftmaxRows.softmaxInPlace(row, count: lk, limit: limit, scale: 1)
        }
        var weights = UnsafePointer(probabilities)
        if let dropMask, let dropped {
            multiply(probabilities, dropMask, into: dropped, count: s.pairs * lq * lk)
            weights = UnsafePointer(dropped)
        }
        let unit = out.headStride == lq * out.rowStride ? productUnit(q, k, queries: lq) : 1
        let blocks = rowBlocks(queries: lq, keys: lk, unit: unit, causal: causal)
        for first in stride(from: 0, to: s.pairs, by: unit) {
            blockedProduct(weights + first * lq * lk, keys: lk, v.matrix(first), ldb: v.rowStride, columns: dv,
                           blocks: blocks, into: out.matrix(first), ldc: out.rowStride)
        }
    }

    /// Masks every score row in place (masked scores become −∞, additive masks are added) and
    /// hands it to `body` with its index among all `pairs · Lq` rows and its causal limit, rows
    /// split across cores. Scores past a row's limit are never read (the causal products do
    /// not compute them).
    static func forEachMaskedRow<T: KernelFloat>(_ scores: UnsafeMutablePointer<T>, sizes s: Sizes, causal: Causal?,
                                                 mask: MaskSpec?,
                                                 _ body: (_ row: UnsafeMutablePointer<T>, _ index: Int, _ limit: Int) -> Void) {
        let (lq, lk, heads) = (s.queries, s.keys, s.heads)
        let strides = mask?.strides ?? [0, 0, 0, 0]
        let boolMask = mask.flatMap { $0.isBool ? $0.pointer.assumingMemoryBound(to: Bool.self) : nil }
        let additiveMask = mask.flatMap { $0.isBool ? nil : $0.pointer.assumingMemoryBound(to: T.self) }
        let maskStep = strides[3]
        Parallel.forRanges(s.pairs * lq, costPerItem: lk) { range in
            for rowIndex in range {
                let row = scores + rowIndex * lk
                let i = rowIndex % lq, pair = rowIndex / lq
                let maskOffset = (pair / heads) * strides[0] + (pair % heads) * strides[1] + i * strides[2]
                // Keys past the causal limit get probability 0 without being exponentiated.
                let limit = causal?.limit(i, keys: lk) ?? lk
                if let m = boolMask.map({ $0 + maskOffset }) {
                    for j in 0..<limit where !m[j * maskStep] { row[j] = -T.infinity }
                } else if let a = additiveMask.map({ $0 + maskOffset }) {
                    for j in 0..<limit { row[j] += a[j * maskStep] }
                }
                body(row, rowIndex, limit)
            }
        }
    }
}
