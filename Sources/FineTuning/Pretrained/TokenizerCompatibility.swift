import TensorKit

/// The tables a tokenizer's ids index in a model: the token embedding rows and, for BERT-style
/// models, the token-type rows.
public struct TokenizerCompatibility: Sendable, Equatable {
    /// Rows of the token embedding (`vocab_size`).
    public var vocabularySize: Int
    /// Rows of the token-type embedding, or nil when the model has none (type ids unused).
    public var typeVocabularySize: Int?

    /// The tables of a model with `vocabularySize` token rows and `typeVocabularySize` type rows.
    public init(vocabularySize: Int, typeVocabularySize: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.typeVocabularySize = typeVocabularySize
    }

    /// Checks that every id `tokenizer` can produce indexes these tables: its vocabulary (added
    /// tokens included), its special tokens, the ids its single and pair templates insert and
    /// their type ids. A tokenizer file that passes cannot make the embedding lookup trap.
    ///
    /// - Parameters:
    ///   - tokenizer: the loaded tokenizer.
    ///   - tokenizerFile: the file it came from, for the error.
    ///   - modelFile: the file the tables' sizes came from, for the error.
    /// - Throws: ``PretrainedError/tokenizerMismatch(tokenizer:model:reason:)`` naming both files.
    public func check(_ tokenizer: any Tokenizer, tokenizerFile: String, modelFile: String) throws(PretrainedError) {
        func fail(_ reason: String) -> PretrainedError {
            .tokenizerMismatch(tokenizer: tokenizerFile, model: modelFile, reason: reason)
        }
        if tokenizer.vocabularySize > vocabularySize {
            throw fail("the tokenizer has \(tokenizer.vocabularySize) tokens, the model's embedding \(vocabularySize) rows")
        }
        let single = tokenizer.addingSpecialTokens(to: [])
        let pair = tokenizer.addingSpecialTokens(to: [], pairedWith: [])
        let special = tokenizer.specialTokens.all.sorted()
        for (what, ids) in [("special token", special), ("template token", single + pair.ids)] {
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw fail("\(what) id \(bad) is outside the model's 0..<\(vocabularySize)")
            }
        }
        if let typeVocabularySize, let bad = pair.typeIDs.first(where: { $0 < 0 || $0 >= Swift.max(typeVocabularySize, 1) }) {
            throw fail("the pair template uses token type \(bad), the model has \(typeVocabularySize) token types")
        }
    }
}
