import Foundation
import TensorKit

/// What went wrong while loading a pretrained model folder (a Hugging Face checkpoint).
///
/// Every case names the file and the key or weights at fault, so the message alone says what to
/// fix. Loading never traps on a malformed folder; it throws one of these.
///
/// ```swift
/// do { _ = try PretrainedEncoder(directory: url) }
/// catch let error as PretrainedError { print(error) }
/// // config.json: key 'hidden_size' must be an integer, found "384"
/// ```
public enum PretrainedError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file the model needs is not there (or the folder itself is missing).
    case missingFile(path: String)
    /// `config.json` is not a JSON object.
    case invalidConfig(path: String, reason: String)
    /// A required `config.json` key is absent.
    case missingConfigKey(path: String, key: String)
    /// A `config.json` key has the wrong type or an impossible value.
    case invalidConfigValue(path: String, key: String, reason: String)
    /// The checkpoint asks for something this library does not implement: a `model_type` other
    /// than BERT, a `hidden_act` with no ``Activation``, relative position embeddings.
    case unsupportedConfigValue(path: String, key: String, value: String, supported: [String])
    /// The weights file could not be read.
    case unreadableWeights(SafeTensorsError)
    /// The tokenizer files could not be read.
    case unreadableTokenizer(TokenizerError)
    /// The tokenizer can produce ids (tokens, special or template tokens, token types) that the
    /// model's embedding tables do not have; both files are named.
    case tokenizerMismatch(tokenizer: String, model: String, reason: String)
    /// The weights do not fit the model the config describes. Names are the checkpoint's
    /// (Hugging Face) names: `missing` are expected but absent, `unexpected` are present but map to
    /// no parameter, `mismatched` have the wrong shape.
    case weightsMismatch(path: String, missing: [String], unexpected: [String], mismatched: [StateDictError.Mismatch])

    public var description: String {
        switch self {
        case let .missingFile(path):
            return "\(path): no such file or folder"
        case let .invalidConfig(path, reason):
            return "\(path): not a valid config: \(reason)"
        case let .missingConfigKey(path, key):
            return "\(path): required key '\(key)' is missing"
        case let .invalidConfigValue(path, key, reason):
            return "\(path): key '\(key)' \(reason)"
        case let .unsupportedConfigValue(path, key, value, supported):
            return "\(path): unsupported \(key) '\(value)' (supported: \(supported.joined(separator: ", ")))"
        case let .unreadableWeights(error):
            return "cannot read weights: \(error)"
        case let .unreadableTokenizer(error):
            return "cannot read tokenizer: \(error)"
        case let .tokenizerMismatch(tokenizer, model, reason):
            return "\(tokenizer) does not fit \(model): \(reason)"
        case let .weightsMismatch(path, missing, unexpected, mismatched):
            var lines = ["\(path): the weights do not match the model in config.json:"]
            if !missing.isEmpty { lines.append("  missing: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { lines.append("  unexpected: \(unexpected.joined(separator: ", "))") }
            for m in mismatched { lines.append("  \(m.name): expected shape \(m.expected), found \(m.found)") }
            return lines.joined(separator: "\n")
        }
    }
}
