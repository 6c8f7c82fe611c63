/// The type codes of GGUF metadata values, as stored in the file.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// One metadata value type, by its file code.
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    /// A length-prefixed UTF-8 string, an array of one element type, and the 64-bit numbers.
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The name used in messages (`"uint32"`, `"array"`, ...).
    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One GGUF metadata value: a number, a bool, a string, or an array whose elements all have one
/// type (arrays may nest).
///
/// The width is kept, so a value read from a file writes back with the same type code. The
/// accessors convert where nothing is lost (any integer type to `Int`, `float32` to `Double`):
///
/// ```swift
/// metadata["llama.block_count"]?.int        // 30, whether stored as uint32 or int64
/// metadata["tokenizer.ggml.tokens"]?.strings // ["<|endoftext|>", ...]
/// ```
public enum GGUFValue: Equatable, Sendable, CustomStringConvertible {
    /// An unsigned or signed 8-bit integer.
    case uint8(UInt8), int8(Int8)
    /// A 16-bit integer.
    case uint16(UInt16), int16(Int16)
    /// A 32-bit integer.
    case uint32(UInt32), int32(Int32)
    /// A 64-bit integer.
    case uint64(UInt64), int64(Int64)
    /// A float.
    case float32(Float), float64(Double)
    /// A bool (one byte in the file, 0 or 1).
    case bool(Bool)
    /// A UTF-8 string.
    case string(String)
    /// An array; `elementType` is kept so an empty array round-trips with its type.
    case array(elementType: GGUFValueType, values: [GGUFValue])

    /// The value's type code.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The integer, for any integer type whose value fits in `Int`; nil otherwise.
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The number as a `Double`, for floats and integers; nil otherwise. A `float32` converts
    /// exactly (1e-5 stored as float32 gives 9.99999974737875e-06).
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    /// The bool; nil for other types.
    public var bool: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    /// The string; nil for other types.
    public var string: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    /// The elements of an array; nil for other types.
    public var array: [GGUFValue]? {
        if case let .array(_, values) = self { return values }
        return nil
    }

    /// An array of strings; nil for any other value.
    public var strings: [String]? { array.flatMap { items in Self.all(items, \.string) } }

    /// An array of integers (each fitting in `Int`); nil for any other value.
    public var ints: [Int]? { array.flatMap { items in Self.all(items, \.int) } }

    /// An array of numbers as `Double`s; nil for any other value.
    public var doubles: [Double]? { array.flatMap { items in Self.all(items, \.double) } }

    /// An array of `float32` values without conversion (token scores); nil for any other value.
    public var floats: [Float]? {
        array.flatMap { items in
            Self.all(items) { item -> Float? in
                if case let .float32(v) = item { return v }
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case let .uint8(v): return "\(v)"
        case let .int8(v): return "\(v)"
        case let .uint16(v): return "\(v)"
        case let .int16(v): return "\(v)"
        case let .uint32(v): return "\(v)"
        case let .int32(v): return "\(v)"
        case let .uint64(v): return "\(v)"
        case let .int64(v): return "\(v)"
        case let .float32(v): return "\(v)"
        case let .float64(v): return "\(v)"
        case let .bool(v): return "\(v)"
        case let .string(v): return String(reflecting: v)
        case let .array(type, values):
            let shown = values.prefix(8).map(\.description).joined(separator: ", ")
            return "[\(type)] × \(values.count): [\(shown)\(values.count > 8 ? ", ..." : "")]"
        }
    }

    private static func all<T>(_ items: [GGUFValue], _ convert: (GGUFValue) -> T?) -> [T]? {
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let value = convert(item) else { return nil }
            result.append(value)
        }
        return result
    }
}
