/// A scalar function applied elementwise, as a type: kernels are generic over it, so each op's
/// loop is specialised with the function inlined, also inside the threaded path (a closure
/// value would be called indirectly per element there).
protocol ElementFunction1 {
    associatedtype A
    associatedtype R
    func callAsFunction(_ a: A) -> R
}

/// A two-argument scalar function applied elementwise (see ``ElementFunction1``).
protocol ElementFunction2 {
    associatedtype A
    associatedtype R
    func callAsFunction(_ a: A, _ b: A) -> R
}

/// A three-argument scalar function (the first argument may have another type, e.g. a mask).
protocol ElementFunction3 {
    associatedtype C
    associatedtype A
    associatedtype R
    func callAsFunction(_ c: C, _ a: A, _ b: A) -> R
}

/// Elementwise loops shared by ops: map one, two or three strided inputs (broadcast) into a
/// contiguous output. Each input is a typed pointer to its storage plus its ``Layout`` (whose
/// offset locates the first element); the output holds `shape`'s elements row-major. Contiguous
/// loops vectorise and split across cores.
enum Elementwise {
    /// `out[i] = f(x[i])`; `out` has `layout.count` elements.
    static func map<F: ElementFunction1>(_ x: UnsafePointer<F.A>, _ layout: Layout,
                                         into out: UnsafeMutablePointer<F.R>, _ f: F) {
        if layout.isContiguous {
            let base = x + layout.offset
            Parallel.forRanges(layout.count) { range in
                for i in range { out[i] = f(base[i]) }
            }
            return
        }
        let loop = StridedLoop(shape: layout.shape, operands: [
            (layout.strides, layout.offset), (Layout.contiguousStrides(for: layout.shape), 0),
        ])
        let n = loop.rowLength, sx = loop.innerStride(0), so = loop.innerStride(1)
        loop.forEachRow { offsets in
            let a = x + offsets[0], o = out + offsets[1]
            for i in 0..<n { o[i * so] = f(a[i * sx]) }
        }
    }

    /// `out[i] = f(a[i], b[i])` with `a` and `b` broadcast to `shape` (their NumPy broadcast,
    /// which the caller has checked).
    static func map<F: ElementFunction2>(_ a: UnsafePointer<F.A>, _ aLayout: Layout, _ b: UnsafePointer<F.A>,
                                         _ bLayout: Layout, into out: UnsafeMutablePointer<F.R>, shape: [Int],
                                         _ f: F) {
        let count = shape.reduce(1, *)
        if aLayout.shape == bLayout.shape && aLayout.isContiguous && bLayout.isContiguous {
            let ba = a + aLayout.offset, bb = b + bLayout.offset
            Parallel.forRanges(count) { range in
                for i in range { out[i] = f(ba[i], bb[i]) }
            }
            return
        }
        if bLayout.count == 1 && aLayout.shape == shape && aLayout.isContiguous {
            let ba = a + aLayout.offset, s = b[bLayout.offset]
            Parallel.forRanges(count) { range in
                for i in range { out[i] = f(ba[i], s) }
            }
            return
        }
        let loop = StridedLoop(shape: shape, operands: [
            (aLayout.broadcastStrides(to: shape), aLayout.offset),
            (bLayout.broadcastStrides(to: shape), bLayout.offset),
            (Layout.contiguousStrides(for: shape), 0),
        ])
        let n = loop.rowLength
        let sa = loop.innerStride(0), sb = loop.innerStride(1), so = loop.innerStride(2)
        loop.forEachRow { offsets in
            let x = a + offsets[0], y = b + offsets[1], o = out + offsets[2]
            if sa == 1 && sb == 1 && so == 1 {
                for i in 0..<n { o[i] = f(x[i], y[i]) }
            } else if sa == 1 && sb == 0 && so == 1 {
                let s = y[0]
                for i in 0..<n { o[i] = f(x[i], s) }
            } else if sa == 0 && sb == 1 && so == 1 {
                let s = x[0]
                for i in 0..<n { o[i] = f(s, y[i]) }
            } else {
                for i in 0..<n { o[i * so] = f(x[i * sa], y[i * sb]) }
            }
        }
    }

    /// `out[i] = f(c[i], a[i], b[i])` with all three broadcast to `shape`; `c` may have another
    /// element type (the mask of `where`).
    static func map<F: ElementFunction3>(_ c: UnsafePointer<F.C>, _ cLayout: Layout, _ a: UnsafePointer<F.A>,
                                         _ aLayout: Layout, _ b: UnsafePointer<F.A>, _ bLayout: Layout,
                                         into out: UnsafeMutablePointer<F.R>, shape: [Int], _ f: F) {
        let loop = StridedLoop(shape: shape, operands: [
            (cLayout.broadcastStrides(to: shape), cLayout.offset),
            (aLayout.broadcastStrides(to: shape), aLayout.offset),
            (bLayout.broadcastStrides(to: shape), bLayout.offset),
            (Layout.contiguousStrides(for: shape), 0),
        ])
        let n = loop.rowLength
        let sc = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2), so = loop.innerStride(3)
        loop.forEachRow { offsets in
            let z = c + offsets[0], x = a + offsets[1], y = b + offsets[2], o = out + offsets[3]
            for i in 0..<n { o[i * so] = f(z[i * sc], x[i * sa], y[i * sb]) }
        }
    }

    /// Copies the elements of `layout` (each `byteSize` bytes) into `out` row-major, as bits.
    static func copy(_ x: UnsafeRawPointer, _ layout: Layout, byteSize: Int, into out: UnsafeMutableRawPointer) {
        func run<T>(_ t: T.Type) {
            map(x.assumingMemoryBound(to: T.self), layout, into: out.assumingMemoryBound(to: T.self), Identity<T>())
        }
        switch byteSize {
        case 8: run(UInt64.self)
        case 4: run(UInt32.self)
        case 2: run(UInt16.self)
        default: run(UInt8.self)
        }
    }

    private struct Identity<T>: ElementFunction1 {
        @inline(__always) func callAsFunction(_ a: T) -> T { a }
    }
}
