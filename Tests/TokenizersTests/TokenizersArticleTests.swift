import Testing
import Tokenizers

// The Swift code of Sources/Tokenizers/Tokenizers.docc, compiled and run.
@Suite struct TokenizersArticleTests {
    /// Tokenizers.md, "Overview".
    @Test func overview() {
        let tokenizer = ByteTokenizer(addBOS: true, addEOS: true)
        let batch = tokenizer.encodeBatch(["ab", "abcd"], padding: .longest)
        #expect(batch.ids == [[256, 97, 98, 257, 258, 258], [256, 97, 98, 99, 100, 257]])
        #expect(batch.attentionMask == [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    }
}
