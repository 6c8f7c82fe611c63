extension Tensor {
    /// This tensor if it is already contiguous, else a contiguous copy (gradient flows through).
    public func contiguous() -> Tensor {
        isContiguous ? self : clone()
    }

    /// A contiguous copy that owns new storage (gradient flows through, like `torch.clone`).
    public func clone() -> Tensor {
        let out: Tensor
        if isContiguous {
            out = Tensor(uninitializedShape: shape, dtype: dtype)
            out.storage.pointer.copyMemory(from: storage.pointer + layout.offset * dtype.byteSize,
                                           byteCount: count * dtype.byteSize)
        } else {
            out = self.contiguousCopy()
        }
        return Tensor.record("clone", output: out, inputs: [self]) { [$0] }
    }

    /// Copies `source` (broadcast to this tensor's shape, same dtype) into this tensor's
    /// elements in place, through whatever strides this view has. Records no graph: use it
    /// for parameter updates and loading, inside ``withGradientsDisabled(_:)`` when it matters.
    public func assign(_ source: Tensor) {
        precondition(source.dtype == dtype, "assign: source dtype \(source.dtype) differs from \(dtype)")
        precondition(Shape.broadcast(shape, source.shape) == shape,
                     "assign: source shape \(source.shape) cannot be broadcast to \(shape)")
        func run<T>(_ t: T.Type) {
            let loop = StridedLoop(shape: shape, operands: [
                (source.layout.broadcastStrides(to: shape), source.layout.offset), (strides, layout.offset),
            ])
            let ps = source.storage.pointer.assumingMemoryBound(to: T.self)
            let pd = storage.pointer.assumingMemoryBound(to: T.self)
            let n = loop.rowLength, ss = loop.innerStride(0), sd = loop.innerStride(1)
            loop.forEachRow { offsets in
                let s = ps + offsets[0], d = pd + offsets[1]
                for i in 0..<n { d[i * sd] = s[i * ss] }
            }
        }
        switch dtype.byteSize {
        case 8: run(UInt64.self)
        case 4: run(UInt32.self)
        case 2: run(UInt16.self)
        default: run(UInt8.self)
        }
    }

    /// This tensor converted to `dtype` (a copy; the same tensor when the dtype already matches).
    /// Gradients flow between float32 and float64.
    public func cast(to target: DType) -> Tensor {
        if target == dtype { return self }
        let source = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: target)
        let n = count
        switch (dtype, target) {
        case (.float32, .float64): Cast.run(source, out, Cast.Widen())
        case (.float64, .float32): Cast.run(source, out, Cast.Narrow())
        case (.float16, .float32): Cast.run(source, out, Cast.FromHalf())
        case (.bfloat16, .float32): Cast.run(source, out, Cast.FromBFloat())
        case (.float32, .float16): Cast.run(source, out, Cast.ToHalf())
        case (.float32, .bfloat16): Cast.run(source, out, Cast.ToBFloat())
        default:
            // Rare pairs (integers, bools, half to double) go through Double one element at a time.
            for i in 0..<n { out.setElement(at: i, to: source.element(atStorageIndex: source.layout.offset + i)) }
        }
        guard dtype.isFloatingPoint && target.isFloatingPoint else { return out }
        let sourceType = dtype
        return Tensor.record("cast", output: out, inputs: [self]) { [$0.cast(to: sourceType)] }
    }
}

/// Bulk conversions between storage types (safetensors loads go through these).
private enum Cast {
    static func run<F: ElementFunction1>(_ source: Tensor, _ out: Tensor, _ f: F) {
        let ps = source.pointer(as: F.A.self), pd = out.pointer(as: F.R.self)
        Parallel.forRanges(source.count) { range in
            for i in range { pd[i] = f(ps[i]) }
        }
    }
    struct Widen: ElementFunction1 { @inline(__always) func callAsFunction(_ a: Float) -> Double { Double(a) } }
    struct Narrow: ElementFunction1 { @inline(__always) func callAsFunction(_ a: Double) -> Float { Float(a) } }
    struct FromHalf: ElementFunction1 { @inline(__always) func callAsFunction(_ a: UInt16) -> Float { HalfConversion.float(fromFloat16: a) } }
    struct FromBFloat: ElementFunction1 { @inline(__always) func callAsFunction(_ a: UInt16) -> Float { HalfConversion.float(fromBFloat16: a) } }
    struct ToHalf: ElementFunction1 { @inline(__always) func callAsFunction(_ a: Float) -> UInt16 { HalfConversion.float16Bits(from: a) } }
    struct ToBFloat: ElementFunction1 { @inline(__always) func callAsFunction(_ a: Float) -> UInt16 { HalfConversion.bfloat16Bits(from: a) } }
}
