/// Float formulas mapped over tensors: the forward half of every elementwise float op.
///
/// ``FloatMap`` records no graph (its results are values, used by forwards and backward rules);
/// ``Tensor/mapFloat(op:_:rule:)`` is the public building block that also records the op.
extension Tensor {
    /// Applies a float function elementwise and records `rule`, which maps the output gradient
    /// to the input gradient. The building block of unary ops.
    public func mapFloat<F: UnaryFloatFunction>(op: String, _ f: F, rule: @escaping (Tensor) -> Tensor) -> Tensor {
        let out = FloatMap.unary(self, op: op, f)
        return Tensor.record(op, output: out, inputs: [self]) { [rule($0)] }
    }
}

/// Maps a float formula over float32/float64 tensors into a new contiguous tensor, recording
/// nothing. The overloads with `costPerElement` take a formula written over ``FloatLanes`` and
/// run contiguous float32 inputs on explicit 8-lane loops (``VectorMap``); all other inputs go
/// through the general strided loops (``Elementwise``).
enum FloatMap {
    /// `f(x)`.
    static func unary<F: UnaryFloatFunction>(_ x: Tensor, op: String, _ f: F) -> Tensor {
        switch x.dtype {
        case .float32: return x.mapElements(to: .float32, FloatUnary<F, Float>(op: f))
        case .float64: return x.mapElements(to: .float64, FloatUnary<F, Double>(op: f))
        default: preconditionFailure("\(op): needs a float32 or float64 tensor, got \(x.dtype) (shape \(x.shape))")
        }
    }

    /// `f(a, b)` with NumPy broadcasting.
    static func binary<F: BinaryFloatFunction>(_ a: Tensor, _ b: Tensor, op: String, _ f: F) -> Tensor {
        precondition(a.dtype == b.dtype, "\(op): dtypes \(a.dtype) and \(b.dtype) differ (shapes \(a.shape) and \(b.shape))")
        switch a.dtype {
        case .float32: return Tensor.mapElements(a, b, to: .float32, op: op, FloatBinary<F, Float>(op: f))
        case .float64: return Tensor.mapElements(a, b, to: .float64, op: op, FloatBinary<F, Double>(op: f))
        default: preconditionFailure("\(op): needs float32 or float64 tensors, got \(a.dtype)")
        }
    }

    /// `f(x)`, on 8-lane vectors when `x` is contiguous float32.
    static func unary<F: UnaryLaneFunction>(_ x: Tensor, op: String, costPerElement: Int, _ f: F) -> Tensor {
        guard x.dtype == .float32, x.isContiguous else { return unary(x, op: op, f) }
        let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
        VectorMap.unary(x.pointer(as: Float.self), into: out.pointer(as: Float.self), count: x.count,
                        costPerElement: costPerElement, f)
        return out
    }

    /// `f(a, b)`, on 8-lane vectors when `a` and `b` are contiguous float32 of the same shape.
    static func binary<F: BinaryLaneFunction>(_ a: Tensor, _ b: Tensor, op: String, costPerElement: Int, _ f: F) -> Tensor {
        guard a.dtype == .float32, b.dtype == .float32, a.shape == b.shape, a.isContiguous, b.isContiguous else {
            return binary(a, b, op: op, f)
        }
        let out = Tensor(uninitializedShape: a.shape, dtype: .float32)
        VectorMap.binary(a.pointer(as: Float.self), b.pointer(as: Float.self), into: out.pointer(as: Float.self),
                         count: a.count, costPerElement: costPerElement, f)
        return out
    }
}
