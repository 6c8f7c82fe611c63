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

/// Elementwise loops shared by ops: map one, two or three strided inputs (broadcast) into a new
/// contiguous output. Contiguous float loops vectorise and split across cores.
enum Elementwise {
    /// `out[i] = f(x[i])` into a new contiguous tensor of `x`'s shape.
    static func map<F: ElementFunction1>(_ x: Tensor, to dtype: DType, _ f: F) -> Tensor {
        typealias T = F.A
        typealias U = F.R
        let out = Tensor(uninitializedShape: x.shape, dtype: dtype)
        let po = out.pointer(as: U.self)
        let px = x.storage.pointer.assumingMemoryBound(to: T.self)
        if x.isContiguous {
            let base = px + x.layout.offset
            Parallel.forRanges(x.count) { range in
                for i in range { po[i] = f(base[i]) }
            }
            return out
        }
        let loop = StridedLoop(shape: x.shape, operands: [(x.strides, x.layout.offset), (out.strides, 0)])
        let n = loop.rowLength, sx = loop.innerStride(0), so = loop.innerStride(1)
        loop.forEachRow { offsets in
            let a = px + offsets[0], o = po + offsets[1]
            for i in 0..<n { o[i * so] = f(a[i * sx]) }
        }
        return out
    }

    /// `out[i] = f(a[i], b[i])` with NumPy broadcasting, into a new contiguous tensor.
    static func map<F: ElementFunction2>(_ a: Tensor, _ b: Tensor, to dtype: DType, op: String, _ f: F) -> Tensor {
        typealias T = F.A
        typealias U = F.R
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        let po = out.pointer(as: U.self)
        let pa = a.storage.pointer.assumingMemoryBound(to: T.self)
        let pb = b.storage.pointer.assumingMemoryBound(to: T.self)
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let ba = pa + a.layout.offset, bb = pb + b.layout.offset
            Parallel.forRanges(out.count) { range in
                for i in range { po[i] = f(ba[i], bb[i]) }
            }
            return out
        }
        if b.count == 1 && a.shape == shape && a.isContiguous {
            let ba = pa + a.layout.offset, s = pb[b.layout.offset]
            Parallel.forRanges(out.count) { range in
                for i in range { po[i] = f(ba[i], s) }
            }
            return out
        }
        let loop = StridedLoop(shape: shape, operands: [
            (a.broadcastStrides(to: shape), a.layout.offset),
            (b.broadcastStrides(to: shape), b.layout.offset),
            (out.strides, 0),
        ])
        let n = loop.rowLength
        let sa = loop.innerStride(0), sb = loop.innerStride(1), so = loop.innerStride(2)
        loop.forEachRow { offsets in
            let x = pa + offsets[0], y = pb + offsets[1], o = po + offsets[2]
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
        return out
    }

    /// `out[i] = f(a[i], b[i], c[i])` with broadcasting; `a` may have another element type
    /// (a mask for `where`).
    static func map<F: ElementFunction3>(_ a: Tensor, _ b: Tensor, _ c: Tensor, to dtype: DType, op: String,
                                         _ f: F) -> Tensor {
        typealias A = F.C
        typealias T = F.A
        typealias U = F.R
        guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(ab, c.shape) else {
            preconditionFailure("\(op): shapes \(a.shape), \(b.shape) and \(c.shape) cannot be broadcast together")
        }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        let po = out.pointer(as: U.self)
        let pa = a.storage.pointer.assumingMemoryBound(to: A.self)
        let pb = b.storage.pointer.assumingMemoryBound(to: T.self)
        let pc = c.storage.pointer.assumingMemoryBound(to: T.self)
        let loop = StridedLoop(shape: shape, operands: [
            (a.broadcastStrides(to: shape), a.layout.offset),
            (b.broadcastStrides(to: shape), b.layout.offset),
            (c.broadcastStrides(to: shape), c.layout.offset),
            (out.strides, 0),
        ])
        let n = loop.rowLength
        let sa = loop.innerStride(0), sb = loop.innerStride(1), sc = loop.innerStride(2), so = loop.innerStride(3)
        loop.forEachRow { offsets in
            let x = pa + offsets[0], y = pb + offsets[1], z = pc + offsets[2], o = po + offsets[3]
            for i in 0..<n { o[i * so] = f(x[i * sa], y[i * sb], z[i * sc]) }
        }
        return out
    }

    /// Copies `x` element by element into a new contiguous tensor (bit copy, same dtype).
    static func copy(_ x: Tensor) -> Tensor {
        switch x.dtype.byteSize {
        case 8: return map(x, to: x.dtype, Identity<UInt64>())
        case 4: return map(x, to: x.dtype, Identity<UInt32>())
        case 2: return map(x, to: x.dtype, Identity<UInt16>())
        default: return map(x, to: x.dtype, Identity<UInt8>())
        }
    }

    private struct Identity<T>: ElementFunction1 {
        @inline(__always) func callAsFunction(_ a: T) -> T { a }
    }
}

extension Tensor {
    /// Strides that read this tensor as if expanded to `shape` (0 on broadcast axes).
    func broadcastStrides(to shape: [Int]) -> [Int] {
        let lead = shape.count - rank
        var result = [Int](repeating: 0, count: shape.count)
        for axis in 0..<rank where layout.shape[axis] != 1 || shape[axis + lead] == 1 {
            result[axis + lead] = layout.strides[axis]
        }
        return result
    }
}
