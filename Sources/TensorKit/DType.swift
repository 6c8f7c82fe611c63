/// The element type of a tensor, chosen at run time.
///
/// Differentiable ops run on ``float32`` and ``float64``; integer types hold indices, targets and
/// token ids; ``bool`` holds masks; ``float16`` and ``bfloat16`` are storage formats (as found in
/// safetensors files) that convert to and from `float32` with ``Tensor/cast(to:)``.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One element type: `float32`/`float64` compute, `float16`/`bfloat16` storage,
    /// `int32`/`int64` indices, `bool` masks.
    case float32, float64, float16, bfloat16, int32, int64, bool

    /// Bytes one element occupies.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .bool: return 1
        }
    }

    /// Whether arithmetic and autograd are supported directly (`float32`, `float64`).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// Whether the type holds integers (`int32`, `int64`).
    public var isInteger: Bool { self == .int32 || self == .int64 }

    public var description: String { rawValue }
}
