/// Why a safetensors file could not be read or written.
///
/// Every case names the file, and the tensor (or metadata key) when one is at fault, so the
/// message alone says what to fix:
///
/// ```swift
/// do { _ = try SafeTensors.load(contentsOf: url) }
/// catch let error as SafeTensorsError { print(error) }
/// // model.safetensors: tensor 'wte.weight': shape [50257, 768] of F32 needs 154389504 bytes, data_offsets span 1024
/// ```
///
/// File-system failures while *writing* are ``AtomicFileError``s, passed through unchanged.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, inspected or mapped (`reason` is the system's message).
    case cannotOpen(file: String, reason: String)
    /// Reading bytes from the file failed or came back short.
    case readFailed(file: String, reason: String)
    /// The file is smaller than the 8-byte header length that starts every safetensors file.
    case fileTooShort(file: String, byteCount: Int)
    /// The header length exceeds the limit (100 MB, as in the reference implementation).
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not UTF-8, not JSON, or not a JSON object.
    case invalidHeader(file: String, reason: String)
    /// Two header entries have the same name (JSON parsers usually keep only one silently).
    case duplicateTensorName(file: String, tensor: String)
    /// A tensor entry is not an object, lacks a field, has an unknown or repeated field.
    case invalidEntry(file: String, tensor: String, reason: String)
    /// The dtype string is not one the safetensors format defines.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// The dtype is valid safetensors but has no TensorKit ``DType`` (U8, I8, I16, U16, U32, U64,
    /// the 8/6/4-bit floats, C64). It is reported when that tensor is requested.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The shape is not an array of non-negative integers (or its size overflows).
    case invalidShape(file: String, tensor: String, reason: String)
    /// `data_offsets` is not a pair of non-negative integers `[begin, end]` with `begin <= end`.
    case invalidDataOffsets(file: String, tensor: String, reason: String)
    /// The tensor's bytes overlap another tensor, leave a gap, or lie outside the data section.
    case misplacedData(file: String, tensor: String, reason: String)
    /// Shape × element size differs from the byte span given by `data_offsets`.
    case byteCountMismatch(file: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    /// The data section is longer than the tensors in the header account for.
    case trailingData(file: String, dataBytes: Int, usedBytes: Int)
    /// `__metadata__` is not an object whose values are all strings.
    case invalidMetadata(file: String, key: String?, reason: String)
    /// A BOOL tensor holds a byte other than 0 or 1.
    case invalidBoolValue(file: String, tensor: String, index: Int, byte: UInt8)
    /// No tensor of that name is in the file.
    case tensorNotFound(file: String, tensor: String)
    /// A tensor cannot be saved under this name (`__metadata__` is reserved).
    case invalidTensorName(file: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open: \(reason)"
        case let .readFailed(file, reason):
            return "\(file): read failed: \(reason)"
        case let .fileTooShort(file, byteCount):
            return "\(file): file has \(byteCount) bytes, fewer than the 8-byte header length of a safetensors file"
        case let .headerTooLarge(file, headerLength, limit):
            return "\(file): header length \(headerLength) exceeds the limit of \(limit) bytes"
        case let .headerBeyondFile(file, headerLength, fileSize):
            return "\(file): header length \(headerLength) runs past the end of the file (\(fileSize) bytes)"
        case let .invalidHeader(file, reason):
            return "\(file): invalid header: \(reason)"
        case let .duplicateTensorName(file, tensor):
            return "\(file): tensor '\(tensor)' appears more than once in the header"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)': unknown dtype '\(dtype)'"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)': dtype \(dtype) is not supported by TensorKit (supported: F32, F64, F16, BF16, I32, I64, BOOL)"
        case let .invalidShape(file, tensor, reason):
            return "\(file): tensor '\(tensor)': invalid shape: \(reason)"
        case let .invalidDataOffsets(file, tensor, reason):
            return "\(file): tensor '\(tensor)': invalid data_offsets: \(reason)"
        case let .misplacedData(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .byteCountMismatch(file, tensor, dtype, shape, expected, actual):
            return "\(file): tensor '\(tensor)': shape \(shape) of \(dtype) needs \(expected) bytes, data_offsets span \(actual)"
        case let .trailingData(file, dataBytes, usedBytes):
            return "\(file): data section has \(dataBytes) bytes but the tensors use only \(usedBytes)"
        case let .invalidMetadata(file, key, reason):
            if let key { return "\(file): __metadata__ key '\(key)': \(reason)" }
            return "\(file): __metadata__: \(reason)"
        case let .invalidBoolValue(file, tensor, index, byte):
            return "\(file): tensor '\(tensor)': BOOL element \(index) is \(byte), not 0 or 1"
        case let .tensorNotFound(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        case let .invalidTensorName(file, tensor, reason):
            return "\(file): cannot save tensor '\(tensor)': \(reason)"
        }
    }
}
