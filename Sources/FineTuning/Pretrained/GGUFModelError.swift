import TensorKit

/// Why a GGUF file could not be turned into a model.
///
/// Every case names the file and the metadata key or tensor at fault. The sizes in the
/// metadata are checked against each other and against the tensor shapes before the model is
/// allocated, so a file that lies about its sizes throws one of these instead of trapping or
/// allocating memory for a model that is not there.
///
/// ```swift
/// do { _ = try GPT.pretrained(gguf: GGUFFile(contentsOf: url)) }
/// catch { print(error) }
/// // model.gguf: metadata key 'llama.block_count' is 31, but the file has tensors for blocks 0..<30
/// ```
public enum GGUFModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read, a metadata key is missing or of the wrong type, or a tensor
    /// type cannot be decoded (the reader's error, unchanged).
    case unreadable(GGUFError)
    /// `general.architecture` names a model family this library does not load.
    case unsupportedArchitecture(file: String, architecture: String, supported: [String])
    /// A metadata value is impossible on its own or against other keys: not positive, heads that
    /// do not divide the width, a RoPE dimension other than the head size.
    case invalidMetadata(file: String, key: String, value: String, reason: String)
    /// A metadata value this library does not implement (such as a RoPE scaling type).
    case unsupportedMetadata(file: String, key: String, value: String, supported: [String])
    /// A metadata size disagrees with the shape of a tensor in the file.
    case metadataContradictsTensor(file: String, key: String, value: Int, tensor: String, shape: [Int])
    /// The tensors do not fit the model the metadata describes, by GGUF name: `missing` are
    /// expected but absent, `unexpected` are present but used by no parameter, `mismatched` have
    /// the wrong shape (outermost dimension first).
    case weightsMismatch(file: String, missing: [String], unexpected: [String], mismatched: [StateDictError.Mismatch])

    public var description: String {
        switch self {
        case let .unreadable(error):
            return error.description
        case let .unsupportedArchitecture(file, architecture, supported):
            return "\(file): architecture '\(architecture)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .invalidMetadata(file, key, value, reason):
            return "\(file): metadata key '\(key)' is \(value): \(reason)"
        case let .unsupportedMetadata(file, key, value, supported):
            return "\(file): metadata key '\(key)' is '\(value)', which is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .metadataContradictsTensor(file, key, value, tensor, shape):
            return "\(file): metadata key '\(key)' is \(value), but tensor '\(tensor)' has shape \(shape)"
        case let .weightsMismatch(file, missing, unexpected, mismatched):
            var lines = ["\(file): the tensors do not match the model in the metadata:"]
            if !missing.isEmpty { lines.append("  missing: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { lines.append("  unexpected: \(unexpected.joined(separator: ", "))") }
            for m in mismatched { lines.append("  \(m.name): expected shape \(m.expected), found \(m.found)") }
            return lines.joined(separator: "\n")
        }
    }
}
