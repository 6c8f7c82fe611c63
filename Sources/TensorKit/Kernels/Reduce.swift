/// An associative fold over the elements of a reduced index space (sum, max with its position).
///
/// Kernels are generic over the reducer and specialised for each one, so the per-element work is
/// inlined into the loops (no closure is called per element).
protocol Reducer {
    associatedtype T: FloatingScalar
    associatedtype Acc
    /// The value of an empty fold.
    var identity: Acc { get }
    /// Folds `n` elements `stride` apart into `acc`; the first sits at position `first` of the
    /// reduced index space (row-major over the reduced axes), the next at `first + 1`, ...
    func fold(_ acc: inout Acc, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int, first: Int)
    /// Folds one element into each of `n` accumulators (elements `stride` apart), all at reduced
    /// position `position`: the vectorisable loop when the kept axis is the fast one.
    func foldColumns(_ accs: UnsafeMutablePointer<Acc>, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int, position: Int)
    /// Combines `later`, the fold of positions after those in `acc`, into `acc`.
    func merge(_ acc: inout Acc, _ later: Acc)
}

/// Summation with blocked 8-lane partial sums: vectorises, and rounding error grows with the
/// number of blocks rather than the number of elements.
struct SumReducer<T: FloatingScalar>: Reducer {
    var identity: T { 0 }

    @inline(__always)
    func fold(_ acc: inout T, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int, first: Int) {
        acc += Reduction.rowSum(p, n, stride)
    }

    @inline(__always)
    func foldColumns(_ accs: UnsafeMutablePointer<T>, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int, position: Int) {
        if stride == 1 {
            for j in 0..<n { accs[j] += p[j] }
        } else {
            for j in 0..<n { accs[j] += p[j * stride] }
        }
    }

    @inline(__always) func merge(_ acc: inout T, _ later: T) { acc += later }
}

/// A running extremum and where it was first seen (`index` -1 until a value beats the identity).
struct Extremum<T: FloatingScalar> {
    var value: T
    var index: Int
}

/// Which of two values an extremum keeps.
protocol ExtremumOrder {
    /// The identity of the fold (−∞ for max, +∞ for min).
    static func worst<T: FloatingScalar>(_ t: T.Type) -> T
    /// Whether `candidate` replaces `best`. Strict, so ties keep the first position; NaN beats
    /// any number and the first NaN stays (NaN propagates, as in PyTorch).
    static func beats<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool
    /// The plain comparison (`>` or `<`, false for NaN), for loops that deal with NaN apart.
    static func prefers<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool
}

enum Greatest: ExtremumOrder {
    @inline(__always) static func worst<T: FloatingScalar>(_ t: T.Type) -> T { -T.infinity }
    @inline(__always) static func beats<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool {
        candidate > best || (candidate.isNaN && !best.isNaN)
    }
    @inline(__always) static func prefers<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool { candidate > best }
}

enum Least: ExtremumOrder {
    @inline(__always) static func worst<T: FloatingScalar>(_ t: T.Type) -> T { T.infinity }
    @inline(__always) static func beats<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool {
        candidate < best || (candidate.isNaN && !best.isNaN)
    }
    @inline(__always) static func prefers<T: FloatingScalar>(_ candidate: T, _ best: T) -> Bool { candidate < best }
}

/// Max or min with the position of the first occurrence.
struct ExtremumReducer<T: FloatingScalar, Order: ExtremumOrder>: Reducer {
    var identity: Extremum<T> { Extremum(value: Order.worst(T.self), index: -1) }

    @inline(__always)
    func fold(_ acc: inout Extremum<T>, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int, first: Int) {
        if stride == 1 && n >= 32 {
            foldContiguous(&acc, p, n, first: first)
            return
        }
        var best = acc.value, at = acc.index
        for i in 0..<n where Order.beats(p[i * stride], best) {
            best = p[i * stride]
            at = first + i
        }
        acc = Extremum(value: best, index: at)
    }

    /// A contiguous row in two passes: the extremum value in independent lanes with selects (which
    /// vectorise, unlike a loop that also tracks a position), then the first position holding it.
    @inline(__always)
    private func foldContiguous(_ acc: inout Extremum<T>, _ p: UnsafePointer<T>, _ n: Int, first: Int) {
        var m0 = p[0], m1 = p[1], m2 = p[2], m3 = p[3]
        // x − x is NaN exactly for NaN and ±∞, so `probe` flags rows that may hold a NaN.
        var probe: T = 0
        var i = 4
        while i &+ 4 <= n {
            m0 = Order.prefers(p[i], m0) ? p[i] : m0
            m1 = Order.prefers(p[i &+ 1], m1) ? p[i &+ 1] : m1
            m2 = Order.prefers(p[i &+ 2], m2) ? p[i &+ 2] : m2
            m3 = Order.prefers(p[i &+ 3], m3) ? p[i &+ 3] : m3
            probe += (p[i] - p[i]) + (p[i &+ 1] - p[i &+ 1]) + (p[i &+ 2] - p[i &+ 2]) + (p[i &+ 3] - p[i &+ 3])
            i &+= 4
        }
        while i < n { m0 = Order.prefers(p[i], m0) ? p[i] : m0; i &+= 1 }
        for k in 0..<4 { probe += p[k] - p[k] }
        for k in (n & ~3)..<n { probe += p[k] - p[k] }
        if probe != probe, let k = firstIndex(p, n, where: { $0 != $0 }) {
            // The first NaN wins, unless the accumulator already holds an earlier one.
            if !acc.value.isNaN { acc = Extremum(value: p[k], index: first + k) }
            return
        }
        let a = Order.prefers(m1, m0) ? m1 : m0, b = Order.prefers(m3, m2) ? m3 : m2
        let best = Order.prefers(b, a) ? b : a
        guard Order.beats(best, acc.value), let k = firstIndex(p, n, where: { $0 == best }) else { return }
        acc = Extremum(value: best, index: first + k)
    }

    /// The first `k < n` with `match(p[k])`: blocks of 16 are tested with a loop that vectorises,
    /// and only the block that hits is searched element by element.
    @inline(__always)
    private func firstIndex(_ p: UnsafePointer<T>, _ n: Int, where match: (T) -> Bool) -> Int? {
        var start = 0
        while start < n {
            let end = Swift.min(start &+ 16, n)
            var hits = 0
            for k in start..<end { hits |= match(p[k]) ? 1 : 0 }
            if hits != 0 {
                for k in start..<end where match(p[k]) { return k }
            }
            start = end
        }
        return nil
    }

    @inline(__always)
    func foldColumns(_ accs: UnsafeMutablePointer<Extremum<T>>, _ p: UnsafePointer<T>, _ n: Int, _ stride: Int,
                     position: Int) {
        for j in 0..<n where Order.beats(p[j * stride], accs[j].value) {
            accs[j] = Extremum(value: p[j * stride], index: position)
        }
    }

    @inline(__always)
    func merge(_ acc: inout Extremum<T>, _ later: Extremum<T>) {
        if Order.beats(later.value, acc.value) { acc = later }
    }
}

/// Reduction kernels: fold a strided tensor over a set of axes into a contiguous output.
enum Reduction {
    /// The reduction problem after dropping length-1 axes and merging adjacent axes: the kept
    /// axes (in output order) and the reduced axes, each as (extent, input stride) lists.
    struct Plan {
        var outerShape: [Int] = [], outerStrides: [Int] = []
        var innerShape: [Int] = [], innerStrides: [Int] = []
        var offset = 0
        var outputCount: Int { outerShape.reduce(1, *) }
        var innerCount: Int { innerShape.reduce(1, *) }

        /// - Parameter keepOrder: keep the reduced axes in their original order, so positions in
        ///   the reduced space are row-major over them (needed for arg-extrema). Otherwise they
        ///   are ordered by stride, which merges more axes and makes the innermost the fastest.
        init(_ x: Layout, reduced: Set<Int>, keepOrder: Bool) {
            offset = x.offset
            var kept: [Int] = [], folded: [Int] = []
            for axis in 0..<x.rank where x.shape[axis] != 1 {
                if reduced.contains(axis) { folded.append(axis) } else { kept.append(axis) }
            }
            if !keepOrder { folded.sort { Swift.abs(x.strides[$0]) > Swift.abs(x.strides[$1]) } }
            (outerShape, outerStrides) = Plan.merge(kept, x)
            (innerShape, innerStrides) = Plan.merge(folded, x)
        }

        private static func merge(_ axes: [Int], _ x: Layout) -> ([Int], [Int]) {
            var shape: [Int] = [], strides: [Int] = []
            for axis in axes {
                if let last = strides.last, last == x.strides[axis] * x.shape[axis] {
                    shape[shape.count - 1] *= x.shape[axis]
                    strides[strides.count - 1] = x.strides[axis]
                } else {
                    shape.append(x.shape[axis])
                    strides.append(x.strides[axis])
                }
            }
            return (shape, strides)
        }

        /// Input offset (relative to `offset`) of position `index` in a row-major space.
        @inline(__always)
        static func position(_ index: Int, _ shape: [Int], _ strides: [Int], upTo count: Int) -> Int {
            var remainder = index, result = 0
            for axis in stride(from: count - 1, through: 0, by: -1) {
                result += (remainder % shape[axis]) * strides[axis]
                remainder /= shape[axis]
            }
            return result
        }
    }

    /// Folds `x` (whose elements are `R.T`) over the plan's reduced axes into `out`, one
    /// accumulator per output element in row-major order of the kept axes.
    ///
    /// Threads split the output elements; when there are fewer outputs than cores (a full
    /// reduction), each output's reduced range is split instead and the partial folds merged
    /// in order.
    static func run<R: Reducer>(_ storage: UnsafePointer<R.T>, _ plan: Plan, _ reducer: R,
                                into out: UnsafeMutablePointer<R.Acc>) {
        let outputs = plan.outputCount, inner = plan.innerCount
        if outputs == 0 { return }
        out.initialize(repeating: reducer.identity, count: outputs)
        if inner == 0 { return }
        let px = storage + plan.offset
        let innerRank = plan.innerShape.count, outerRank = plan.outerShape.count
        let fastInner = innerRank == 0 ? 0 : Swift.abs(plan.innerStrides[innerRank - 1])
        let fastOuter = outerRank == 0 ? Int.max : Swift.abs(plan.outerStrides[outerRank - 1])
        if innerRank > 0 && fastOuter < fastInner {
            columns(px, plan, reducer, out)
        } else if outputs >= Parallel.threadCount || outputs * inner < 2 * Parallel.threshold {
            Parallel.forRanges(outputs, costPerItem: inner) { range in
                for o in range {
                    let base = Plan.position(o, plan.outerShape, plan.outerStrides, upTo: outerRank)
                    fold(px + base, plan, reducer, 0..<inner, into: &out[o])
                }
            }
        } else {
            let pieces = Parallel.threadCount
            let partials = UnsafeMutablePointer<R.Acc>.allocate(capacity: pieces)
            defer { partials.deallocate() }
            for o in 0..<outputs {
                let base = Plan.position(o, plan.outerShape, plan.outerStrides, upTo: outerRank)
                partials.initialize(repeating: reducer.identity, count: pieces)
                Parallel.forRanges(pieces, costPerItem: inner / pieces) { range in
                    for piece in range {
                        fold(px + base, plan, reducer, (inner * piece / pieces)..<(inner * (piece + 1) / pieces),
                             into: &partials[piece])
                    }
                }
                for piece in 0..<pieces { reducer.merge(&out[o], partials[piece]) }
            }
        }
    }

    /// Folds positions `range` of the reduced space starting at `p`, row by row.
    @inline(__always)
    private static func fold<R: Reducer>(_ p: UnsafePointer<R.T>, _ plan: Plan, _ reducer: R, _ range: Range<Int>,
                                         into acc: inout R.Acc) {
        let rank = plan.innerShape.count
        if rank == 0 {
            if !range.isEmpty { reducer.fold(&acc, p, 1, 1, first: 0) }
            return
        }
        let rowLength = plan.innerShape[rank - 1], rowStride = plan.innerStrides[rank - 1]
        var k = range.lowerBound
        while k < range.upperBound {
            let column = k % rowLength
            let length = Swift.min(rowLength - column, range.upperBound - k)
            let start = Plan.position(k / rowLength, plan.innerShape, plan.innerStrides, upTo: rank - 1)
                + column * rowStride
            reducer.fold(&acc, p + start, length, rowStride, first: k)
            k += length
        }
    }

    /// The kept innermost axis is the fast one (e.g. summing the rows of a matrix into a row):
    /// accumulate whole input rows into tiles of the output, which vectorises.
    private static func columns<R: Reducer>(_ px: UnsafePointer<R.T>, _ plan: Plan, _ reducer: R,
                                            _ out: UnsafeMutablePointer<R.Acc>) {
        let outerRank = plan.outerShape.count, innerRank = plan.innerShape.count
        let width = plan.outerShape[outerRank - 1], columnStride = plan.outerStrides[outerRank - 1]
        let rowLength = plan.innerShape[innerRank - 1], rowStride = plan.innerStrides[innerRank - 1]
        let inner = plan.innerCount, innerRows = inner / rowLength
        let tile = 2048
        Parallel.forRanges(plan.outputCount, costPerItem: inner) { range in
            var o = range.lowerBound
            while o < range.upperBound {
                let q = o / width, j = o % width
                let length = Swift.min(width - j, range.upperBound - o, tile)
                let base = Plan.position(q, plan.outerShape, plan.outerStrides, upTo: outerRank - 1) + j * columnStride
                for row in 0..<innerRows {
                    let rowStart = base + Plan.position(row, plan.innerShape, plan.innerStrides, upTo: innerRank - 1)
                    for c in 0..<rowLength {
                        reducer.foldColumns(out + o, px + rowStart + c * rowStride, length, columnStride,
                                            position: row * rowLength + c)
                    }
                }
                o += length
            }
        }
    }

    /// Sums the elements of `layout` in `storage` over `reduced` into `out`, row-major over the
    /// kept axes (the layout's shape with the reduced axes set to 1).
    static func sum<T: FloatingScalar>(_ storage: UnsafePointer<T>, _ layout: Layout, reduced: Set<Int>,
                                       into out: UnsafeMutablePointer<T>) {
        run(storage, Plan(layout, reduced: reduced, keepOrder: false), SumReducer<T>(), into: out)
    }

    /// Max or min of the elements of `layout` over `reduced` into `values`, with each result's
    /// position in the reduced space into `positions` (row-major over the reduced axes, first on
    /// ties); `count` outputs, row-major over the kept axes.
    static func extremum<T: FloatingScalar, Order: ExtremumOrder>(
        _ storage: UnsafePointer<T>, _ layout: Layout, _ order: Order.Type, reduced: Set<Int>,
        values pv: UnsafeMutablePointer<T>, positions pp: UnsafeMutablePointer<Int64>, count n: Int
    ) {
        let accs = UnsafeMutablePointer<Extremum<T>>.allocate(capacity: Swift.max(n, 1))
        defer { accs.deallocate() }
        run(storage, Plan(layout, reduced: reduced, keepOrder: true), ExtremumReducer<T, Order>(), into: accs)
        for o in 0..<n {
            pv[o] = accs[o].value
            // -1 means nothing beat the identity: every element was the identity, so the first wins.
            pp[o] = Int64(Swift.max(accs[o].index, 0))
        }
    }

    /// Sum of `n` elements `stride` apart: 8 independent partial sums over blocks, so the loop
    /// vectorises and rounding error grows slower than with one running sum.
    @inline(__always)
    static func rowSum<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int, _ stride: Int) -> T {
        if stride != 1 {
            var total: T = 0
            for i in 0..<n { total += p[i * stride] }
            return total
        }
        var total: T = 0
        var start = 0
        let block = 4096
        while start < n {
            let end = Swift.min(start + block, n)
            var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
            var i = start
            while i + 8 <= end {
                s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]
                s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7]
                i += 8
            }
            while i < end { s0 += p[i]; i += 1 }
            total += ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
            start = end
        }
        return total
    }
}
