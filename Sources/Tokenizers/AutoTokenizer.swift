import Foundation

/// Loads whichever tokenizer a model folder or file describes.
///
/// ```swift
/// let tokenizer = try AutoTokenizer.load(from: URL(fileURLWithPath: "data/all-MiniLM-L6-v2"))
/// ```
public enum AutoTokenizer {
    /// Loads a tokenizer from a `tokenizer.json`, a BERT `vocab.txt`, or a folder holding one of
    /// them (`tokenizer.json` is preferred: it carries the normalizer settings).
    ///
    /// - Throws: ``TokenizerError`` when no tokenizer file is found or the file is malformed.
    public static func load(from url: URL) throws -> any Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            for name in ["tokenizer.json", "vocab.txt"] {
                let candidate = url.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: candidate.path) { return try load(from: candidate) }
            }
            throw TokenizerError.unreadableFile(path: url.path, reason: "the folder has no tokenizer.json or vocab.txt")
        }
        if url.pathExtension == "txt" { return try WordPieceTokenizer(vocabularyFile: url) }
        let json = try TokenizerJSON(url: url)
        let model = try json.object(json.root, "model", at: "model")
        let type = try json.optionalString(model, "type", at: "model.type")
            ?? (model["merges"] != nil ? "BPE" : model["continuing_subword_prefix"] != nil ? "WordPiece" : "")
        switch type {
        case "WordPiece": return try WordPieceTokenizer(json: json)
        case "BPE": return try ByteLevelBPETokenizer(json: json)
        default: throw TokenizerError.unsupported(path: url.path, component: "model", type: type)
        }
    }
}
