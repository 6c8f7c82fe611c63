/// Indexing with index tensors: `indexSelect` (rows by index, as an embedding lookup does),
/// `gather` (like `torch.gather`) and `oneHot`.
///
/// The backward of a lookup is a scatter-add of the gradient into zeros. It is one kernel pass over
/// the gradient, and repeated indices add up. The scatter-adds are recorded ops too, with the lookup
/// as their own backward, so second derivatives work.
extension Tensor {
    /// The entries of `indices` along `axis`, in that order (repeats allowed), like
    /// `torch.index_select`. `indices` is a one-dimensional int32 or int64 tensor.
    ///
    /// ```swift
    /// let table = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2])
    /// table.indexSelect(axis: 0, indices: Tensor([2, 0, 2] as [Int32]))   // [[5, 6], [1, 2], [5, 6]]
    /// ```
    ///
    /// Works for every dtype (the copy moves bytes). The gradient adds each output row back into
    /// the row it came from.
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        precondition(rank >= 1, "indexSelect: needs a tensor of rank >= 1, got a rank-0 tensor")
        let a = Shape.normalize(axis: axis, rank: rank, op: "indexSelect")
        precondition(indices.rank <= 1, "indexSelect: indices must be one-dimensional, got shape \(indices.shape)")
        let list = IndexKernels.readIndices(indices, op: "indexSelect", axis: axis, length: shape[a])
        let out = IndexKernels.selectRows(IndexKernels.contiguous(self), axis: a, indices: list)
        let inputShape = shape
        return Tensor.record("indexSelect", output: out, inputs: [self]) { g in
            [IndexKernels.indexAdd(g, axis: a, indices: list, into: inputShape)]
        }
    }

    /// Values picked along `axis` by `indices`, like `torch.gather`: for a rank-3 tensor and
    /// `axis == 1`, `out[i][j][k] = self[i][indices[i][j][k]][k]`.
    ///
    /// `indices` (int32 or int64) has this tensor's rank; on every other axis it may be shorter
    /// than this tensor. The result has the shape of `indices`.
    ///
    /// ```swift
    /// let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    /// x.gather(axis: 1, indices: Tensor([1, 1, 0, 1] as [Int64], shape: [2, 2]))   // [[2, 2], [3, 4]]
    /// ```
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "gather")
        precondition(indices.rank == rank,
                     "gather: indices of shape \(indices.shape) must have the rank of the input (shape \(shape))")
        for d in 0..<rank where d != a {
            precondition(indices.shape[d] <= shape[d],
                         "gather: indices of shape \(indices.shape) are larger than the input (shape \(shape)) on axis \(d)")
        }
        let list = IndexKernels.readIndices(indices, op: "gather", axis: axis, length: shape[a])
        let out = IndexKernels.gather(self, axis: a, indices: list, shape: indices.shape)
        let inputShape = shape
        let indexShape = indices.shape
        return Tensor.record("gather", output: out, inputs: [self]) { g in
            [IndexKernels.scatterAdd(g, axis: a, indices: list, indexShape: indexShape, into: inputShape)]
        }
    }

    /// One-hot encoding of an int32/int64 tensor: a new last axis of length `classes`, 1 at each
    /// value and 0 elsewhere. Not differentiable.
    ///
    /// ```swift
    /// Tensor([2, 0] as [Int32]).oneHot(classes: 3)   // [[0, 0, 1], [1, 0, 0]]
    /// ```
    public func oneHot(classes: Int, dtype target: DType = .float32) -> Tensor {
        precondition(dtype.isInteger, "oneHot: needs an int32 or int64 tensor, got \(dtype) (shape \(shape))")
        precondition(classes > 0, "oneHot: classes must be positive, got \(classes)")
        let list = IndexKernels.readIndices(self, op: "oneHot", axis: -1, length: classes)
        let out = Tensor.zeros(shape + [classes], dtype: target)
        func fill<T>(_ one: T) {
            let p = out.pointer(as: T.self)
            for (i, k) in list.enumerated() { p[i * classes + k] = one }
        }
        switch target {
        case .float32: fill(Float(1))
        case .float64: fill(Double(1))
        case .int32: fill(Int32(1))
        case .int64: fill(Int64(1))
        case .bool: fill(true)
        case .float16: fill(HalfConversion.float16Bits(from: 1))
        case .bfloat16: fill(HalfConversion.bfloat16Bits(from: 1))
        }
        return out
    }
}

/// Kernels behind the index ops. Element moves go by byte size, so every dtype shares them.
enum IndexKernels {
    /// `x` itself when contiguous, else a plain copy; records no graph (for kernels that read
    /// memory in order).
    static func contiguous(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : x.contiguousCopy()
    }

    /// The values of an int32/int64 index tensor in row-major order, each checked against
    /// `length` (the extent of the indexed axis, or the class count for one-hot).
    static func readIndices(_ indices: Tensor, op: String, axis: Int, length: Int) -> [Int] {
        let values: [Int]
        switch indices.dtype {
        case .int32: values = indices.scalars(as: Int32.self).map { Int($0) }
        case .int64: values = indices.scalars(as: Int64.self).map { Int($0) }
        default: preconditionFailure("\(op): indices must be int32 or int64, got \(indices.dtype) (shape \(indices.shape))")
        }
        for value in values where value < 0 || value >= length {
            if op == "oneHot" {
                preconditionFailure("oneHot: index \(value) is out of range for \(length) classes")
            }
            preconditionFailure("\(op): index \(value) is out of range for axis \(axis) of length \(length)")
        }
        return values
    }

    /// Calls the generic `body` with the unsigned integer type of `dtype`'s byte size.
    @inline(__always)
    static func byBytes(_ dtype: DType, _ body: Bytes) {
        switch dtype.byteSize {
        case 8: body.run(UInt64.self)
        case 4: body.run(UInt32.self)
        case 2: body.run(UInt16.self)
        default: body.run(UInt8.self)
        }
    }

    /// A generic body for ``byBytes(_:_:)`` (a protocol, since closures cannot be generic).
    protocol Bytes { func run<T>(_ type: T.Type) }

    /// `out[o, j, i] = x[o, indices[j], i]` for a contiguous `x` viewed as [outer, n, inner].
    static func selectRows(_ x: Tensor, axis: Int, indices: [Int]) -> Tensor {
        var outShape = x.shape
        outShape[axis] = indices.count
        let out = Tensor(uninitializedShape: outShape, dtype: x.dtype)
        struct Copy: Bytes {
            let x: Tensor, out: Tensor, indices: [Int], outer: Int, n: Int, inner: Int
            func run<T>(_ type: T.Type) {
                let px = x.pointer(as: T.self), po = out.pointer(as: T.self)
                let k = indices.count, inner = inner, n = n
                indices.withUnsafeBufferPointer { idx in
                    Parallel.forRanges(outer * k, costPerItem: inner) { rows in
                        guard !rows.isEmpty else { return }
                        // Walk (o, j) alongside the row number: no division per row.
                        var o = rows.lowerBound / k, j = rows.lowerBound % k
                        for row in rows {
                            let source = px + (o * n + idx[j]) * inner, target = po + row * inner
                            for t in 0..<inner { target[t] = source[t] }
                            j += 1
                            if j == k { j = 0; o += 1 }
                        }
                    }
                }
            }
        }
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        byBytes(x.dtype, Copy(x: x, out: out, indices: indices, outer: outer, n: x.shape[axis], inner: inner))
        return out
    }

    /// The backward of ``Tensor/indexSelect(axis:indices:)``: zeros of `shape` with each slice of
    /// `g` along `axis` added into the slice its index names. A recorded op whose own backward is
    /// `indexSelect`.
    static func indexAdd(_ g: Tensor, axis: Int, indices: [Int], into shape: [Int]) -> Tensor {
        let source = contiguous(g)
        let out = Tensor.zeros(shape, dtype: g.dtype)
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        func run<T: FloatingScalar>(_ type: T.Type) {
            let pg = source.pointer(as: T.self), po = out.pointer(as: T.self)
            let k = indices.count, n = shape[axis]
            indices.withUnsafeBufferPointer { idx in
                // Repeated indices collide within one outer block, never across blocks.
                Parallel.forRanges(outer, costPerItem: k * inner) { blocks in
                    for o in blocks {
                        for j in 0..<k {
                            let from = pg + (o * k + j) * inner, to = po + (o * n + idx[j]) * inner
                            for t in 0..<inner { to[t] += from[t] }
                        }
                    }
                }
            }
        }
        switch g.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: preconditionFailure("indexSelect backward: needs a float32 or float64 gradient, got \(g.dtype)")
        }
        return Tensor.record("indexAdd", output: out, inputs: [g]) { gg in
            [gg.indexSelect(axis: axis, indices: Tensor(indices.map { Int64($0) }))]
        }
    }

    /// `out[m] = x[m with axis replaced by indices[m]]` over the multi-indices `m` of `shape`
    /// (the index tensor's shape); `x` may have any strides.
    static func gather(_ x: Tensor, axis: Int, indices: [Int], shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        struct Pick: Bytes {
            let x: Tensor, out: Tensor, indices: [Int], axis: Int
            func run<T>(_ type: T.Type) {
                var sourceStrides = x.strides
                let axisStride = sourceStrides[axis]
                sourceStrides[axis] = 0
                // The output is contiguous with the index tensor's shape, so its offset is also the
                // position in the flat index list.
                let loop = StridedLoop(shape: out.shape, operands: [(sourceStrides, x.layout.offset), (out.strides, 0)])
                let px = x.storage.pointer.assumingMemoryBound(to: T.self), po = out.pointer(as: T.self)
                let n = loop.rowLength, sx = loop.innerStride(0), so = loop.innerStride(1)
                indices.withUnsafeBufferPointer { idx in
                    loop.forEachRow { offsets in
                        let source = px + offsets[0], base = offsets[1]
                        for i in 0..<n {
                            let p = base + i * so
                            po[p] = source[i * sx + idx[p] * axisStride]
                        }
                    }
                }
            }
        }
        byBytes(x.dtype, Pick(x: x, out: out, indices: indices, axis: axis))
        return out
    }

    /// The backward of ``Tensor/gather(axis:indices:)``: zeros of `shape` with `g[m]` added at
    /// `m` with `axis` replaced by `indices[m]`. A recorded op whose own backward is `gather`.
    static func scatterAdd(_ g: Tensor, axis: Int, indices: [Int], indexShape: [Int], into shape: [Int]) -> Tensor {
        let source = contiguous(g)
        let out = Tensor.zeros(shape, dtype: g.dtype)
        func run<T: FloatingScalar>(_ type: T.Type) {
            var targetStrides = out.strides
            let axisStride = targetStrides[axis]
            targetStrides[axis] = 0
            let loop = StridedLoop(shape: indexShape, operands: [(targetStrides, 0), (source.strides, 0)])
            let po = out.pointer(as: T.self), pg = source.pointer(as: T.self)
            let n = loop.rowLength, so = loop.innerStride(0), sg = loop.innerStride(1)
            indices.withUnsafeBufferPointer { idx in
                // Different gradient elements may land on the same target: one thread.
                loop.forEachRow(in: 0..<loop.rowCount) { offsets in
                    let target = po + offsets[0], base = offsets[1]
                    for i in 0..<n {
                        let p = base + i * sg
                        target[i * so + idx[p] * axisStride] += pg[p]
                    }
                }
            }
        }
        switch g.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: preconditionFailure("gather backward: needs a float32 or float64 gradient, got \(g.dtype)")
        }
        return Tensor.record("scatterAdd", output: out, inputs: [g]) { gg in
            [gg.gather(axis: axis, indices: Tensor(indices.map { Int64($0) }, shape: indexShape))]
        }
    }
}
