/// Comparisons into bool tensors, logical ops on bool tensors, `where` and `maskedFill`.
///
/// Comparisons work on float32, float64, int32 and int64 (and equality on bool), with NumPy
/// broadcasting. Both tensor operands must have the same dtype (no implicit promotion: cast one
/// first); a scalar operand is converted to the tensor's dtype.

/// The relation ``Tensor/compare(_:_:)-(Tensor,_)`` tests elementwise.
public enum Comparison: String, Sendable {
    /// `a == b` (false where either is NaN).
    case equal
    /// `a != b` (true where either is NaN).
    case notEqual
    /// `a < b`.
    case less
    /// `a <= b`.
    case lessEqual
    /// `a > b`.
    case greater
    /// `a >= b`.
    case greaterEqual
}

extension Tensor {
    /// Elementwise `self <relation> other` with broadcasting, as a bool tensor.
    ///
    /// ```swift
    /// let a = Tensor([1, 5, 3] as [Float]), b = Tensor([2, 2, 3] as [Float])
    /// a.compare(b, .less)   // [true, false, false]
    /// ```
    public func compare(_ other: Tensor, _ relation: Comparison) -> Tensor {
        let op = relation.rawValue
        precondition(dtype == other.dtype,
                     "\(op): dtypes \(dtype) and \(other.dtype) differ (shapes \(shape) and \(other.shape)); cast one operand first")
        switch dtype {
        case .float32: return ComparisonKernels.ordered(self, other, relation, Float.self)
        case .float64: return ComparisonKernels.ordered(self, other, relation, Double.self)
        case .int32: return ComparisonKernels.ordered(self, other, relation, Int32.self)
        case .int64: return ComparisonKernels.ordered(self, other, relation, Int64.self)
        case .bool:
            precondition(relation == .equal || relation == .notEqual,
                         "\(op): bool tensors support only equal and notEqual (shapes \(shape) and \(other.shape))")
            return ComparisonKernels.equality(self, other, relation, Bool.self)
        default:
            preconditionFailure("\(op): \(dtype) tensors cannot be compared (shape \(shape)); cast to float32 first")
        }
    }

    /// Elementwise `self <relation> value`, as a bool tensor. `value` is converted to this
    /// tensor's dtype; an integer tensor compared with a non-integral value compares as float64.
    public func compare(_ value: Double, _ relation: Comparison) -> Tensor {
        switch dtype {
        case .int32 where !ComparisonKernels.fits(value, Int32.self), .int64 where !ComparisonKernels.fits(value, Int64.self):
            return cast(to: .float64).compare(Tensor(scalar: value, dtype: .float64), relation)
        case .bool:
            precondition(value == 0 || value == 1, "\(relation.rawValue): a bool tensor compares only with 0 or 1, got \(value)")
        default: break
        }
        return compare(Tensor(scalar: value, dtype: dtype), relation)
    }

    /// `self == other` elementwise (bool result, broadcasting).
    public func equal(_ other: Tensor) -> Tensor { compare(other, .equal) }
    /// `self != other` elementwise (bool result, broadcasting).
    public func notEqual(_ other: Tensor) -> Tensor { compare(other, .notEqual) }
    /// `self < other` elementwise (bool result, broadcasting).
    public func less(_ other: Tensor) -> Tensor { compare(other, .less) }
    /// `self <= other` elementwise (bool result, broadcasting).
    public func lessEqual(_ other: Tensor) -> Tensor { compare(other, .lessEqual) }
    /// `self > other` elementwise (bool result, broadcasting).
    public func greater(_ other: Tensor) -> Tensor { compare(other, .greater) }
    /// `self >= other` elementwise (bool result, broadcasting).
    public func greaterEqual(_ other: Tensor) -> Tensor { compare(other, .greaterEqual) }

    /// `self == value` elementwise, e.g. `tokens.equal(0)` for a padding mask.
    public func equal(_ value: Double) -> Tensor { compare(value, .equal) }
    /// `self != value` elementwise.
    public func notEqual(_ value: Double) -> Tensor { compare(value, .notEqual) }
    /// `self < value` elementwise.
    public func less(_ value: Double) -> Tensor { compare(value, .less) }
    /// `self <= value` elementwise.
    public func lessEqual(_ value: Double) -> Tensor { compare(value, .lessEqual) }
    /// `self > value` elementwise, e.g. `probabilities.greater(0.5)`.
    public func greater(_ value: Double) -> Tensor { compare(value, .greater) }
    /// `self >= value` elementwise.
    public func greaterEqual(_ value: Double) -> Tensor { compare(value, .greaterEqual) }

    // MARK: Logical ops on bool tensors

    /// Elementwise AND of two bool tensors, with broadcasting.
    public func logicalAnd(_ other: Tensor) -> Tensor { logical(other, op: "logicalAnd", ComparisonKernels.And()) }
    /// Elementwise OR of two bool tensors, with broadcasting.
    public func logicalOr(_ other: Tensor) -> Tensor { logical(other, op: "logicalOr", ComparisonKernels.Or()) }
    /// Elementwise XOR of two bool tensors, with broadcasting.
    public func logicalXor(_ other: Tensor) -> Tensor { logical(other, op: "logicalXor", ComparisonKernels.Xor()) }

    /// Elementwise NOT of a bool tensor.
    public func logicalNot() -> Tensor {
        precondition(dtype == .bool, "logicalNot: needs a bool tensor, got \(dtype) (shape \(shape))")
        return mapElements(to: .bool, ComparisonKernels.Not())
    }

    private func logical<F: ElementFunction2>(_ other: Tensor, op: String, _ f: F) -> Tensor where F.A == Bool, F.R == Bool {
        precondition(dtype == .bool && other.dtype == .bool,
                     "\(op): needs bool tensors, got \(dtype) and \(other.dtype) (shapes \(shape) and \(other.shape))")
        return Tensor.mapElements(self, other, to: .bool, op: op, f)
    }

    // MARK: Selection

    /// Picks `a` where `condition` is true and `b` elsewhere; all three broadcast together.
    /// Gradients flow to `a` and `b` through the elements each supplied.
    ///
    /// ```swift
    /// Tensor.where(x.greater(0), x, x * 0.01)   // leaky relu
    /// ```
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(condition.dtype == .bool,
                     "where: condition must be a bool tensor, got \(condition.dtype) (shape \(condition.shape))")
        precondition(a.dtype == b.dtype,
                     "where: dtypes \(a.dtype) and \(b.dtype) differ (shapes \(a.shape) and \(b.shape)); cast one operand first")
        let out = ComparisonKernels.select(condition, a, b, op: "where")
        return record("where", output: out, inputs: [a, b]) { g in
            let zero = Tensor(scalar: 0, dtype: g.dtype)
            let op = "where backward"
            return [a.requiresGrad ? ComparisonKernels.select(condition, g, zero, op: op).sum(toShape: a.shape) : nil,
                    b.requiresGrad ? ComparisonKernels.select(condition, zero, g, op: op).sum(toShape: b.shape) : nil]
        }
    }

    /// ``where(_:_:_:)`` with a scalar (in `a`'s dtype) where `condition` is false.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Double) -> Tensor {
        Tensor.where(condition, a, ComparisonKernels.scalar(b, dtype: a.dtype, op: "where"))
    }

    /// ``where(_:_:_:)`` with a scalar (in `b`'s dtype) where `condition` is true.
    public static func `where`(_ condition: Tensor, _ a: Double, _ b: Tensor) -> Tensor {
        Tensor.where(condition, ComparisonKernels.scalar(a, dtype: b.dtype, op: "where"), b)
    }

    /// This tensor with `value` written where `mask` is true. `mask` is a bool tensor that
    /// broadcasts to this tensor's shape; the gradient is zero at the filled elements.
    ///
    /// ```swift
    /// scores.maskedFill(causalMask, value: -.infinity)
    /// ```
    public func maskedFill(_ mask: Tensor, value: Double) -> Tensor {
        precondition(mask.dtype == .bool, "maskedFill: mask must be a bool tensor, got \(mask.dtype) (shape \(mask.shape))")
        precondition(Shape.broadcast(shape, mask.shape) == shape,
                     "maskedFill: mask shape \(mask.shape) cannot be broadcast to \(shape)")
        let fill = ComparisonKernels.scalar(value, dtype: dtype, op: "maskedFill")
        let out = ComparisonKernels.select(mask, fill, self, op: "maskedFill")
        return Tensor.record("maskedFill", output: out, inputs: [self]) { g in
            [ComparisonKernels.select(mask, Tensor(scalar: 0, dtype: g.dtype), g, op: "maskedFill backward")]
        }
    }
}

/// Loops behind comparisons, logical ops and selection.
enum ComparisonKernels {
    static func ordered<T: Comparable & TensorScalar>(_ a: Tensor, _ b: Tensor, _ relation: Comparison,
                                                      _ type: T.Type) -> Tensor {
        let op = relation.rawValue
        switch relation {
        case .less: return Tensor.mapElements(a, b, to: .bool, op: op, Less<T>())
        case .lessEqual: return Tensor.mapElements(a, b, to: .bool, op: op, LessEqual<T>())
        case .greater: return Tensor.mapElements(a, b, to: .bool, op: op, Greater<T>())
        case .greaterEqual: return Tensor.mapElements(a, b, to: .bool, op: op, GreaterEqual<T>())
        case .equal, .notEqual: return equality(a, b, relation, T.self)
        }
    }

    static func equality<T: Equatable>(_ a: Tensor, _ b: Tensor, _ relation: Comparison, _ type: T.Type) -> Tensor {
        relation == .equal
            ? Tensor.mapElements(a, b, to: .bool, op: relation.rawValue, Equal<T>())
            : Tensor.mapElements(a, b, to: .bool, op: relation.rawValue, NotEqual<T>())
    }

    /// A rank-0 tensor of `dtype` holding `value`; stops when an integer dtype cannot hold it.
    static func scalar(_ value: Double, dtype: DType, op: String) -> Tensor {
        switch dtype {
        case .int32: precondition(fits(value, Int32.self), "\(op): value \(value) is not an int32")
        case .int64: precondition(fits(value, Int64.self), "\(op): value \(value) is not an int64")
        case .bool: precondition(value == 0 || value == 1, "\(op): value \(value) is not a bool (0 or 1)")
        default: break
        }
        return Tensor(scalar: value, dtype: dtype)
    }

    /// Whether `value` is an integer that `T` holds exactly.
    static func fits<T: FixedWidthInteger>(_ value: Double, _ type: T.Type) -> Bool {
        value.rounded() == value && value >= Double(T.min) && value < -Double(T.min)
    }

    /// `condition ? a : b` elementwise with broadcasting; `a` and `b` share a dtype of any kind,
    /// moved as bit patterns.
    static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, op: String) -> Tensor {
        switch a.dtype.byteSize {
        case 8: return Tensor.mapElements(condition, a, b, to: a.dtype, op: op, Select<UInt64>())
        case 4: return Tensor.mapElements(condition, a, b, to: a.dtype, op: op, Select<UInt32>())
        case 2: return Tensor.mapElements(condition, a, b, to: a.dtype, op: op, Select<UInt16>())
        default: return Tensor.mapElements(condition, a, b, to: a.dtype, op: op, Select<UInt8>())
        }
    }

    struct Less<T: Comparable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a < b }
    }
    struct LessEqual<T: Comparable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a <= b }
    }
    struct Greater<T: Comparable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a > b }
    }
    struct GreaterEqual<T: Comparable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a >= b }
    }
    struct Equal<T: Equatable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a == b }
    }
    struct NotEqual<T: Equatable>: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { a != b }
    }
    struct And: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a && b }
    }
    struct Or: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a || b }
    }
    struct Xor: ElementFunction2 {
        @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a != b }
    }
    struct Not: ElementFunction1 {
        @inline(__always) func callAsFunction(_ a: Bool) -> Bool { !a }
    }
    struct Select<T>: ElementFunction3 {
        @inline(__always) func callAsFunction(_ c: Bool, _ a: T, _ b: T) -> T { c ? a : b }
    }
}
