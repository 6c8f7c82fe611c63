import Foundation

/// What went wrong while loading a tokenizer from files.
///
/// Every case names the file and says what is wrong with it, so the message alone is enough to fix
/// the file. Loading never traps on malformed input; it throws one of these.
///
/// ```swift
/// do { _ = try WordPieceTokenizer(vocabularyFile: url) }
/// catch let error as TokenizerError { print(error) }  // "vocab.txt line 7: duplicate token ..."
/// ```
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not valid JSON, or not UTF-8 text.
    case invalidJSON(path: String, reason: String)
    /// A required key is missing or has the wrong type (`keyPath` like `model.vocab`).
    case invalidField(path: String, keyPath: String, reason: String)
    /// The file asks for a model, normalizer, pre-tokenizer or post-processor this library lacks.
    case unsupported(path: String, component: String, type: String)
    /// A token the tokenizer needs (such as `[UNK]` or `[CLS]`) is not in the vocabulary.
    case missingToken(path: String, token: String, role: String)
    /// A line of a `vocab.txt` file is not a valid token (line numbers start at 1).
    case invalidVocabularyLine(path: String, line: Int, reason: String)
    /// A BPE merge rule cannot be applied (index counts from 0 in `model.merges`).
    case invalidMerge(path: String, index: Int, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read tokenizer file: \(reason)"
        case let .invalidJSON(path, reason):
            return "\(path): not valid JSON: \(reason)"
        case let .invalidField(path, keyPath, reason):
            return "\(path): field '\(keyPath)' \(reason)"
        case let .unsupported(path, component, type):
            return "\(path): unsupported \(component) type '\(type)'"
        case let .missingToken(path, token, role):
            return "\(path): the \(role) token '\(token)' is not in the vocabulary"
        case let .invalidVocabularyLine(path, line, reason):
            return "\(path) line \(line): \(reason)"
        case let .invalidMerge(path, index, reason):
            return "\(path): merge #\(index) \(reason)"
        }
    }
}

extension TokenizerError {
    /// Reads a whole file, turning a missing or unreadable file into ``unreadableFile(path:reason:)``.
    static func readData(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "no such file")
        }
        if isDirectory.boolValue {
            throw TokenizerError.unreadableFile(path: url.path, reason: "is a directory")
        }
        do { return try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
    }
}
