import Testing
import TestFixtures
@testable import Tokenizers

@Suite struct BatchEncodingTests {
    let bytes = ByteTokenizer(addBOS: true, addEOS: true)

    @Test func padsToTheLongestOnTheRight() {
        let batch = bytes.encodeBatch(["ab", "abcd", ""])
        #expect(batch.ids == [[256, 97, 98, 257, 258, 258], [256, 97, 98, 99, 100, 257], [256, 257, 258, 258, 258, 258]])
        #expect(batch.attentionMask == [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]])
        #expect(batch.tokenTypeIDs == nil)
    }

    @Test func padsOnTheLeft() {
        let batch = bytes.encodeBatch(["a", "abc"], paddingSide: .left)
        #expect(batch.ids == [[258, 258, 256, 97, 257], [256, 97, 98, 99, 257]])
        #expect(batch.attentionMask == [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    }

    @Test func padsToAFixedLengthAndLeavesLongerRows() {
        let batch = bytes.encodeBatch(["a", "abcdef"], padding: .toLength(4))
        #expect(batch.ids == [[256, 97, 257, 258], [256, 97, 98, 99, 100, 101, 102, 257]])
        #expect(batch.attentionMask[0] == [1, 1, 1, 0])
    }

    @Test func truncationKeepsSpecialTokens() {
        #expect(bytes.encoding(of: "abcdef", maxLength: 4).ids == [256, 97, 98, 257])
        #expect(bytes.encoding(of: "abcdef", addSpecialTokens: false, maxLength: 4).ids == [97, 98, 99, 100])
        #expect(bytes.encoding(of: "abcdef", maxLength: 1).ids == [256, 257])  // only specials remain
        #expect(bytes.encoding(of: "ab", maxLength: 6, padding: .toLength(6)).attentionMask == [1, 1, 1, 1, 0, 0])
    }

    @Test func noPaddingKeepsRaggedRows() {
        let batch = bytes.encodeBatch(["a", "abc"], padding: .none)
        #expect(batch.ids.map(\.count) == [3, 5])
        #expect(batch.attentionMask == [[1, 1, 1], [1, 1, 1, 1, 1]])
    }

    @Test func miniLMPaddedBatchMatchesHuggingFace() throws {
        let tokenizer = try AutoTokenizer.load(from: try miniLMFolder.get())
        let fixtures = TokenizerFixtures.shared
        let batch = tokenizer.encodeBatch(fixtures.sentences, padding: .longest, maxLength: fixtures.minilm.max_length)
        #expect(batch.ids == fixtures.minilm.padded_batch.ids)
        #expect(batch.attentionMask == fixtures.minilm.padded_batch.attention_mask)
        #expect(batch.tokenTypeIDs == fixtures.minilm.padded_batch.type_ids)
        // Padded to the longest row, which reaches the 128-token limit.
        #expect(batch.tokenTypeIDs?.count == fixtures.sentences.count)
        #expect(batch.tokenTypeIDs?.allSatisfy { $0.count == 128 } == true)
    }

    @Test func miniLMPairsMatchHuggingFace() throws {
        let tokenizer = try AutoTokenizer.load(from: try miniLMFolder.get())
        let fixtures = TokenizerFixtures.shared
        let reference = fixtures.minilm_pairs
        let batch = tokenizer.encodeBatch(pairs: fixtures.pairs, maxLength: reference.max_length)
        for i in fixtures.pairs.indices {
            #expect(batch.ids[i] == reference.ids[i], "pair \(i)")
            #expect(batch.tokenTypeIDs?[i] == reference.type_ids[i], "pair \(i)")
            #expect(batch.attentionMask[i] == reference.attention_mask[i], "pair \(i)")
        }
    }

    @Test func tinyBPEPairsMatchHuggingFace() throws {
        let tokenizer = try AutoTokenizer.load(from: fixtureURL("tiny_bpe_tokenizer.json"))
        let fixtures = TokenizerFixtures.shared
        let batch = tokenizer.encodeBatch(pairs: fixtures.pairs, maxLength: fixtures.tiny_bpe_pairs.max_length)
        #expect(batch.ids == fixtures.tiny_bpe_pairs.ids)
        #expect(batch.attentionMask == fixtures.tiny_bpe_pairs.attention_mask)
    }

    @Test func pairTruncationIsLongestFirst() {
        // (first, second, room) → kept counts, worked by hand from the longest_first rule.
        #expect(ByteTokenizer.longestFirst(3, 4, room: 10) == (3, 4))
        #expect(ByteTokenizer.longestFirst(3, 20, room: 10) == (3, 7))
        #expect(ByteTokenizer.longestFirst(20, 3, room: 10) == (7, 3))
        #expect(ByteTokenizer.longestFirst(8, 9, room: 10) == (5, 5))
        #expect(ByteTokenizer.longestFirst(9, 9, room: 11) == (5, 6))
        #expect(ByteTokenizer.longestFirst(12, 9, room: 11) == (6, 5))
    }

    @Test func pairsWithoutATemplateAreWrappedOneByOne() {
        let tokenizer = ByteTokenizer(addBOS: true, addEOS: true)
        let encoding = tokenizer.encoding(of: "ab", pairedWith: "c")
        #expect(encoding.ids == [256, 97, 98, 257, 256, 99, 257])
        #expect(encoding.tokenTypeIDs == nil)
        #expect(tokenizer.encoding(of: "abcdef", pairedWith: "xyz", maxLength: 8).ids == [256, 97, 98, 257, 256, 120, 121, 257])
    }

    @Test func tinyBPEPaddedBatchMatchesHuggingFace() throws {
        let tokenizer = try AutoTokenizer.load(from: fixtureURL("tiny_bpe_tokenizer.json"))
        let fixtures = TokenizerFixtures.shared
        let batch = tokenizer.encodeBatch(fixtures.sentences, maxLength: fixtures.tiny_bpe.max_length)
        #expect(batch.ids == fixtures.tiny_bpe.padded_batch.ids)
        #expect(batch.attentionMask == fixtures.tiny_bpe.padded_batch.attention_mask)
    }
}
