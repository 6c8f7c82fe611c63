import Foundation
import Testing
import TestFixtures
@testable import Tokenizers

/// ``ByteLevelBPETokenizer/init(vocabulary:merges:addedTokens:preTokenizer:addPrefixSpace:unknownID:specialTokens:template:fuseUnknown:ignoreMerges:source:)``
/// and the merge queue on long words.
@Suite struct ByteLevelBPEValuesTests {
    /// A vocabulary of `a`, `b`, `ab`, `abab`, `Ġ`, `Ġab` and `<|end|>`.
    private func tokenizer(template: SpecialTokenTemplate = .none) throws -> ByteLevelBPETokenizer {
        try ByteLevelBPETokenizer(vocabulary: ["a", "b", "ab", "abab", "Ġ", "Ġab"],
                                  merges: [("a", "b"), ("ab", "ab"), ("Ġ", "ab")],
                                  addedTokens: [AddedToken(content: "<|end|>", id: 6)],
                                  specialTokens: SpecialTokenIDs(eos: 6), template: template)
    }

    @Test func plainValuesEncodeAndDecode() throws {
        let bpe = try tokenizer(template: .sequence(bos: nil, eos: 6))
        #expect(bpe.encode("ababab ab<|end|>", addSpecialTokens: true) == [3, 2, 5, 6, 6])
        #expect(bpe.decode([3, 2, 5, 6]) == "ababab ab<|end|>")
        #expect(bpe.decode([3, 6], skipSpecialTokens: true) == "abab")
        #expect(bpe.specialTokens.all == [6] && bpe.vocabularySize == 7)
        #expect(ByteLevelBPETokenizer.mergePair(from: "Ġ t")! == ("Ġ", "t"))
        #expect(ByteLevelBPETokenizer.mergePair(from: "Ġt") == nil && ByteLevelBPETokenizer.mergePair(from: "a b c") == nil)
    }

    @Test func invalidValuesThrow() throws {
        #expect(throws: TokenizerError.invalidMerge(path: "x", index: 0, reason: "('a', 'c') needs 'c', which is not in the vocabulary")) {
            try ByteLevelBPETokenizer(vocabulary: ["a", "b"], merges: [("a", "c")], source: "x")
        }
        #expect(throws: TokenizerError.self) {
            try ByteLevelBPETokenizer(vocabulary: ["a"], merges: [], addedTokens: [AddedToken(content: "<x>", id: 5)])
        }
        #expect(throws: TokenizerError.self) {
            try ByteLevelBPETokenizer(vocabulary: ["a"], merges: [], specialTokens: SpecialTokenIDs(bos: 3))
        }
        #expect(throws: TokenizerError.self) {
            try ByteLevelBPETokenizer(vocabulary: ["a"], merges: [], template: .sequence(bos: -1, eos: nil))
        }
    }

    /// 256 KB of one word: well under 10 s in a debug build (the quadratic loop needed minutes),
    /// and the ids are the merges applied left to right.
    @Test func longWordsMergeInNearLinearTime() throws {
        let bpe = try tokenizer()
        let word = String(repeating: "ab", count: 128 * 1024)
        let clock = ContinuousClock()
        var ids: [Int] = []
        let elapsed = clock.measure { ids = bpe.encode(word, addSpecialTokens: false) }
        #expect(elapsed < .seconds(10), "\(elapsed)")
        #expect(ids == [Int](repeating: 3, count: 64 * 1024))
        #expect(bpe.encode(word + "a", addSpecialTokens: false) == [Int](repeating: 3, count: 64 * 1024) + [0])
    }
}
