/// The key–value metadata of a GGUF file, in file order, with lookups that throw a
/// ``GGUFError`` naming the key when it is missing or of another type.
///
/// ```swift
/// let metadata = gguf.metadata
/// let architecture = try metadata.string("general.architecture")      // "llama"
/// let layers = try metadata.int("\(architecture).block_count")        // 30
/// let eps = try metadata.double("\(architecture).attention.layer_norm_rms_epsilon")
/// let tokens = try metadata.strings("tokenizer.ggml.tokens")
/// let bos = metadata["tokenizer.ggml.bos_token_id"]?.int                // optional lookup
/// ```
public struct GGUFMetadata: Equatable, Sendable, Sequence {
    /// The keys in file (or insertion) order.
    public private(set) var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    /// The file named in errors (empty for metadata built in memory).
    public var file: String

    /// Empty metadata; `file` is only used in error messages.
    public init(file: String = "") { self.file = file }

    /// Number of pairs.
    public var count: Int { keys.count }

    /// The value for `key`, nil when absent. Setting a new key appends it; setting nil removes it.
    public subscript(key: String) -> GGUFValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The pairs in order.
    public func makeIterator() -> AnyIterator<(key: String, value: GGUFValue)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], values[keys[index]]!)
        }
    }

    /// The value for `key`; throws ``GGUFError/missingKey(file:key:)`` when absent.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = values[key] else { throw .missingKey(file: file, key: key) }
        return value
    }

    /// The string at `key`.
    public func string(_ key: String) throws(GGUFError) -> String {
        try convert(key, "a string", \.string)
    }

    /// The integer at `key` (any integer type that fits in `Int`).
    public func int(_ key: String) throws(GGUFError) -> Int {
        try convert(key, "an integer", \.int)
    }

    /// The number at `key` as a `Double` (float or integer types).
    public func double(_ key: String) throws(GGUFError) -> Double {
        try convert(key, "a number", \.double)
    }

    /// The bool at `key`.
    public func bool(_ key: String) throws(GGUFError) -> Bool {
        try convert(key, "a bool", \.bool)
    }

    /// The array of strings at `key`.
    public func strings(_ key: String) throws(GGUFError) -> [String] {
        try convert(key, "an array of strings", \.strings)
    }

    /// The array of integers at `key`.
    public func ints(_ key: String) throws(GGUFError) -> [Int] {
        try convert(key, "an array of integers", \.ints)
    }

    /// The array of `float32` values at `key`, unconverted.
    public func floats(_ key: String) throws(GGUFError) -> [Float] {
        try convert(key, "an array of float32", \.floats)
    }

    /// The array of numbers at `key` as `Double`s.
    public func doubles(_ key: String) throws(GGUFError) -> [Double] {
        try convert(key, "an array of numbers", \.doubles)
    }

    private func convert<T>(_ key: String, _ expected: String, _ accessor: (GGUFValue) -> T?) throws(GGUFError) -> T {
        let value = try value(key)
        guard let result = accessor(value) else {
            throw .wrongValueType(file: file, key: key, expected: expected, found: Self.describeType(value))
        }
        return result
    }

    /// `"uint32"`, `"array of string"`, `"array of array"`.
    static func describeType(_ value: GGUFValue) -> String {
        if case let .array(elementType, _) = value { return "array of \(elementType)" }
        return value.type.description
    }

    public static func == (a: GGUFMetadata, b: GGUFMetadata) -> Bool {
        a.keys == b.keys && a.values == b.values
    }
}
