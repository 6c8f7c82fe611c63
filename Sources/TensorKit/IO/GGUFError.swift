/// Why a GGUF file could not be read or written, or a metadata lookup failed.
///
/// Every case names the file and, where one is at fault, the metadata key or tensor, so the
/// message alone says what is wrong:
///
/// ```swift
/// do { _ = try GGUFFile(contentsOf: url) }
/// catch { print(error) }
/// // model.gguf: metadata key 'tokenizer.ggml.tokens': array of 4294967295 string elements needs at least 34359738360 bytes, 1024 remain
/// ```
///
/// `context` strings say where in the file the problem is: `"metadata key 'general.name'"`,
/// `"tensor 'blk.0.attn_q.weight'"`, `"the header"`. File-system failures while *writing* are
/// ``AtomicFileError``s, passed through unchanged.
public enum GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, inspected or mapped (`reason` is the system's message).
    case cannotOpen(file: String, reason: String)
    /// The file does not start with the 4 bytes `GGUF`.
    case notGGUF(file: String)
    /// The format version is not 2 or 3 (version 1 used 32-bit counts; a byte-swapped version
    /// means a big-endian file).
    case unsupportedVersion(file: String, version: UInt32)
    /// The file ends at `offset` while `needed` more bytes of `context` were expected.
    case truncated(file: String, context: String, offset: Int, needed: Int)
    /// A count (of tensors, metadata pairs, array elements) cannot fit in the bytes that remain.
    case countTooLarge(file: String, context: String, count: UInt64, minimumBytes: UInt64, remaining: Int)
    /// A string's length prefix runs past the end of the file.
    case stringTooLong(file: String, context: String, length: UInt64, remaining: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(file: String, context: String)
    /// A metadata value type code is not one GGUF defines.
    case unknownValueType(file: String, key: String, code: UInt32)
    /// A bool value is a byte other than 0 or 1.
    case invalidBool(file: String, key: String, byte: UInt8)
    /// Arrays nest deeper than ``GGUFFile/maximumArrayDepth``.
    case arrayNestingTooDeep(file: String, key: String, limit: Int)
    /// Two metadata pairs have the same key.
    case duplicateKey(file: String, key: String)
    /// `general.alignment` is not a power of two up to 2^20 stored as an unsigned 32-bit integer.
    case invalidAlignment(file: String, value: String)
    /// Two tensors have the same name.
    case duplicateTensorName(file: String, tensor: String)
    /// A tensor type code is not one ggml defines.
    case unknownTensorType(file: String, tensor: String, code: UInt32)
    /// The dimensions are too many (over 4), negative, overflow, or the row is not whole blocks.
    case invalidShape(file: String, tensor: String, reason: String)
    /// The tensor's data offset is unaligned, runs past the file, or overlaps another tensor.
    case misplacedData(file: String, tensor: String, reason: String)
    /// The tensor's type is valid GGUF but TensorKit cannot decode it (see ``GGMLType/isDequantizable``).
    case unsupportedTensorType(file: String, tensor: String, type: String)
    /// No tensor of that name is in the file.
    case tensorNotFound(file: String, tensor: String)
    /// A metadata key the caller asked for is absent.
    case missingKey(file: String, key: String)
    /// A metadata value has a type other than the one asked for.
    case wrongValueType(file: String, key: String, expected: String, found: String)
    /// A tensor cannot be written: a name repeated or too long, a type the writer cannot encode,
    /// a row that is not whole blocks.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// A metadata pair cannot be written (`general.alignment` of the wrong type or value).
    case invalidMetadata(file: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open: \(reason)"
        case let .notGGUF(file):
            return "\(file): not a GGUF file (it does not start with the bytes 'GGUF')"
        case let .unsupportedVersion(file, version):
            let hint = version > 0xFFFF ? " (a big-endian file?)" : version == 1 ? " (version 1 is obsolete)" : ""
            return "\(file): GGUF version \(version) is not supported (versions 2 and 3 are)\(hint)"
        case let .truncated(file, context, offset, needed):
            return "\(file): \(context): file ends at byte \(offset), \(needed) more bytes needed"
        case let .countTooLarge(file, context, count, minimumBytes, remaining):
            return "\(file): \(context): count \(count) needs at least \(minimumBytes) bytes, \(remaining) remain in the file"
        case let .stringTooLong(file, context, length, remaining):
            return "\(file): \(context): string length \(length) runs past the end of the file (\(remaining) bytes remain)"
        case let .invalidUTF8(file, context):
            return "\(file): \(context): string is not valid UTF-8"
        case let .unknownValueType(file, key, code):
            return "\(file): metadata key '\(key)': unknown value type code \(code)"
        case let .invalidBool(file, key, byte):
            return "\(file): metadata key '\(key)': bool byte is \(byte), not 0 or 1"
        case let .arrayNestingTooDeep(file, key, limit):
            return "\(file): metadata key '\(key)': arrays nest deeper than \(limit) levels"
        case let .duplicateKey(file, key):
            return "\(file): metadata key '\(key)' appears more than once"
        case let .invalidAlignment(file, value):
            return "\(file): general.alignment must be a uint32 power of two up to 1048576, found \(value)"
        case let .duplicateTensorName(file, tensor):
            return "\(file): tensor '\(tensor)' appears more than once"
        case let .unknownTensorType(file, tensor, code):
            return "\(file): tensor '\(tensor)': unknown tensor type code \(code)"
        case let .invalidShape(file, tensor, reason):
            return "\(file): tensor '\(tensor)': invalid shape: \(reason)"
        case let .misplacedData(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .unsupportedTensorType(file, tensor, type):
            return "\(file): tensor '\(tensor)': type \(type) cannot be decoded by TensorKit (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)"
        case let .tensorNotFound(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        case let .missingKey(file, key):
            return "\(file): metadata key '\(key)' is missing"
        case let .wrongValueType(file, key, expected, found):
            return "\(file): metadata key '\(key)': expected \(expected), found \(found)"
        case let .invalidTensor(file, tensor, reason):
            return "\(file): cannot write tensor '\(tensor)': \(reason)"
        case let .invalidMetadata(file, key, reason):
            return "\(file): cannot write metadata key '\(key)': \(reason)"
        }
    }
}
