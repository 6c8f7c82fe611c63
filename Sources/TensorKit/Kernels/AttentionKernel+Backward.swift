extension AttentionKernel {
    /// From this many query rows on (four causal blocks, 3/8 of the work skipped) the backward's
    /// products run block by block.
    static let backwardBlockingRows = 4 * causalBlockRows

    /// With `P` the probabilities and `dO` the output gradient:
    /// `dV = Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ∘ (dP − rowsum(dP ∘ P)) · scale`, `dQ = dS·K`, `dK = dSᵀ·Q`.
    ///
    /// `P` is rebuilt first from the same scores as the forward's and their saved `logSumExp`
    /// (`P = exp(scores − logSumExp)`, zero where masked) into `probabilities`; `scratch` holds
    /// the dropped probabilities, then `dP` and `dS`. Both are `[pairs, Lq, Lk]` working memory.
    /// Under a causal limit, from ``backwardBlockingRows`` query rows on, every product runs over
    /// the forward's blocks of rows, each only as far as its keys reach (`P` and `dS` are zero
    /// past them); shorter ones run whole up to the last row's limit.
    static func backward<T: KernelFloat>(_ g: Heads<T>, _ q: Heads<T>, _ k: Heads<T>, _ v: Heads<T>,
                                         logSumExp: UnsafePointer<T>, sizes s: Sizes, scale: T,
                                         causal: Causal?, mask: MaskSpec?,
                                         probabilities: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>,
                                         dropMask: UnsafePointer<T>? = nil,
                                         dq: Heads<T>?, dk: Heads<T>?, dv: Heads<T>?) {
        let (lq, lk, d, vd) = (s.queries, s.keys, s.depth, s.valueDepth)
        let perPair = lq * lk
        // Blocks pay here only when they skip much: at two blocks (128 rows) the twice as many,
        // smaller products cost more than the quarter they skip (gpt_lora, two threads: 268
        // against 256 ms a step unblocked).
        let blocks = lq >= backwardBlockingRows ? rowBlocks(queries: lq, keys: lk, unit: 1, causal: causal)
                                                : [(rows: 0..<lq, keys: causal?.limit(lq - 1, keys: lk) ?? lk)]
        scores(q, k, sizes: s, scale: scale, causal: causal, into: probabilities)
        forEachMaskedRow(probabilities, sizes: s, causal: causal, mask: mask) { row, index, limit in
            SoftmaxRows.probabilitiesInPlace(row, count: lk, limit: limit, logSumExp: logSumExp[index])
        }
        let p = UnsafePointer(probabilities)
        if let dv {
            // dV = droppedᵀ·dO, with the dropped probabilities rebuilt in the scratch buffer.
            var weights = p
            if let dropMask {
                multiply(p, dropMask, into: scratch, count: s.pairs * perPair)
                weights = UnsafePointer(scratch)
            }
            // The query heads sharing a key/value head are consecutive pairs: the first writes
            // its gradient, the others add theirs.
            for pair in 0..<s.pairs {
                transposedProduct(weights + pair * perPair, g.matrix(pair), ldb: g.rowStride, columns: vd, keys: lk,
                                  blocks: blocks, into: dv.matrix(pair), ldc: dv.rowStride, adding: pair % dv.group != 0)
            }
        }
        guard dq != nil || dk != nil else { return }
        // dP past each block's keys is left unwritten: the softmax backward below neither reads
        // it nor keeps it.
        for pair in 0..<s.pairs {
            for block in blocks where block.keys > 0 {
                GEMM.gemm(transA: false, transB: true, m: block.rows.count, n: block.keys, k: vd, alpha: 1,
                          a: g.matrix(pair) + block.rows.lowerBound * g.rowStride, lda: g.rowStride,
                          b: v.matrix(pair), ldb: v.rowStride,
                          beta: 0, c: scratch + pair * perPair + block.rows.lowerBound * lk, ldc: lk)
            }
        }
        // Through the dropout: the gradient of the kept probabilities, scaled like them.
        if let dropMask { multiply(scratch, dropMask, into: scratch, count: s.pairs * perPair) }
        Parallel.forRanges(s.pairs * lq, costPerItem: lk) { range in
            for rowIndex in range {
                let pr = p + rowIndex * lk, dr = scratch + rowIndex * lk
                // Past the causal limit the probabilities are 0, and so are the score gradients.
                let limit = causal?.limit(rowIndex % lq, keys: lk) ?? lk
                SoftmaxRows.softmaxBackwardInPlace(probabilities: pr, gradient: dr, out: dr, count: limit, scale: scale)
                if limit < lk { (dr + limit).update(repeating: 0, count: lk - limit) }
            }
        }
        for pair in 0..<s.pairs {
            let ds = UnsafePointer(scratch + pair * perPair)
            if let dq {
                blockedProduct(ds, keys: lk, k.matrix(pair), ldb: k.rowStride, columns: d, blocks: blocks,
                               into: dq.matrix(pair), ldc: dq.rowStride)
            }
            if let dk {
                transposedProduct(ds, q.matrix(pair), ldb: q.rowStride, columns: d, keys: lk,
                                  blocks: blocks, into: dk.matrix(pair), ldc: dk.rowStride, adding: pair % dk.group != 0)
            }
        }
    }

    /// `c = aᵀ·b` (`c += aᵀ·b` when `adding`) for one pair: `a` is `[Lq, Lk]` and zero past each
    /// row block's keys, `b` is `[Lq, columns]`, `c` is `[Lk, columns]`. Each block adds only to
    /// the rows of the keys it reaches; the one reaching furthest (the last) goes first and
    /// writes, and rows of keys no block reaches are zero.
    static func transposedProduct<T: KernelFloat>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, ldb: Int, columns: Int,
                                                  keys lk: Int, blocks: [(rows: Range<Int>, keys: Int)],
                                                  into c: UnsafeMutablePointer<T>, ldc: Int, adding: Bool) {
        var adding = adding
        let reach = blocks.last?.keys ?? lk
        if !adding {
            for row in reach..<lk { (c + row * ldc).update(repeating: 0, count: columns) }
        }
        for block in blocks.reversed() where block.keys > 0 {
            GEMM.gemm(transA: true, transB: false, m: block.keys, n: columns, k: block.rows.count, alpha: 1,
                      a: a + block.rows.lowerBound * lk, lda: lk, b: b + block.rows.lowerBound * ldb, ldb: ldb,
                      beta: adding ? 1 : 0, c: c, ldc: ldc)
            adding = true
        }
    }

    /// `out = a ∘ b` over `count` elements, split across cores (`out` may be `a`).
    static func multiply<T: FloatingScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                            into out: UnsafeMutablePointer<T>, count: Int) {
        Parallel.forRanges(count) { range in
            for i in range { out[i] = a[i] * b[i] }
        }
    }
}
