import Testing
@testable import Tokenizers

@Suite struct ByteTokenizerTests {
    @Test func everyUTF8ByteIsAToken() {
        let tokenizer = ByteTokenizer(addBOS: false)
        #expect(tokenizer.encode("hé😀", addSpecialTokens: true) == [104, 195, 169, 240, 159, 152, 128])
        #expect(tokenizer.encode("", addSpecialTokens: true) == [])
        #expect(tokenizer.vocabularySize == 259 && tokenizer.specialTokenCount == 0)
    }

    @Test func beginAndEndOfSequence() {
        let tokenizer = ByteTokenizer(addBOS: true, addEOS: true)
        #expect(tokenizer.encode("ab", addSpecialTokens: true) == [256, 97, 98, 257])
        #expect(tokenizer.encode("ab", addSpecialTokens: false) == [97, 98])
        #expect(tokenizer.specialTokenCount == 2)
        #expect(tokenizer.specialTokens == SpecialTokenIDs(pad: 258, bos: 256, eos: 257))
    }

    @Test func decodeRoundTrips() {
        let tokenizer = ByteTokenizer(addBOS: true, addEOS: true)
        let text = "Grüße, 世界! 😀"
        #expect(tokenizer.decode(tokenizer.encode(text), skipSpecialTokens: true) == text)
        #expect(tokenizer.decode(tokenizer.encode("hi")) == "<bos>hi<eos>")
        #expect(tokenizer.decode([195]) == "\u{FFFD}")  // a character cut in half
        #expect(tokenizer.decode([104, 999, -1, 105]) == "hi")  // unknown ids are ignored
    }

    @Test func tokenNames() {
        let tokenizer = ByteTokenizer()
        #expect(tokenizer.token(forID: 10) == "<0x0A>" && tokenizer.id(forToken: "<0x0A>") == 10)
        #expect(tokenizer.token(forID: 258) == "<pad>" && tokenizer.id(forToken: "<eos>") == 257)
        #expect(tokenizer.token(forID: 259) == nil && tokenizer.id(forToken: "x") == nil)
    }
}
