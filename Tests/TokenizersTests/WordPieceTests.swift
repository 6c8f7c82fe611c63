import Foundation
import Testing
import TestFixtures
@testable import Tokenizers

@Suite struct WordPieceTests {
    let fixtures = TokenizerFixtures.shared

    private func miniLM(_ file: String) throws -> any Tokenizer {
        let folder = try miniLMFolder.get()
        return try AutoTokenizer.load(from: folder.appendingPathComponent(file))
    }

    @Test func miniLMTokenizerJSONMatchesHuggingFace() throws {
        let tokenizer = try miniLM("tokenizer.json")
        let reference = fixtures.minilm
        #expect(tokenizer.vocabularySize == reference.vocab_size)
        for (i, sentence) in fixtures.sentences.enumerated() {
            let encoding = tokenizer.encoding(of: sentence, maxLength: reference.max_length)
            #expect(encoding.ids == reference.ids[i], "sentence \(i): \(sentence.prefix(60))")
            #expect(encoding.attentionMask == reference.attention_mask[i])
            #expect(encoding.tokenTypeIDs == reference.type_ids[i])
            #expect(tokenizer.encode(sentence, addSpecialTokens: false)
                    == reference.ids_without_special_tokens_untruncated[i], "sentence \(i)")
        }
        // The long sentence really was truncated, to exactly max_length with [SEP] kept.
        let long = try #require(fixtures.sentences.firstIndex { $0.hasPrefix("Long input") })
        #expect(reference.ids[long].count == 128 && reference.ids[long].last == 102 && reference.ids[long].first == 101)
        #expect(reference.ids_without_special_tokens_untruncated[long].count > 300)
    }

    @Test func miniLMRandomStringsMatchHuggingFace() throws {
        let tokenizer = try miniLM("tokenizer.json")
        for (i, text) in fixtures.random_strings.enumerated() {
            #expect(tokenizer.encode(text, addSpecialTokens: false) == fixtures.minilm.random_strings_ids[i],
                    "string \(i): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func miniLMVocabTxtMatchesHuggingFace() throws {
        let tokenizer = try miniLM("vocab.txt")
        #expect(tokenizer is WordPieceTokenizer)
        #expect(tokenizer.vocabularySize == 30522)
        for (i, sentence) in fixtures.sentences.enumerated() {
            #expect(tokenizer.encoding(of: sentence, maxLength: 128).ids == fixtures.minilm.ids[i], "sentence \(i)")
        }
    }

    @Test func miniLMDecodeMatchesHuggingFace() throws {
        let tokenizer = try miniLM("tokenizer.json")
        for (i, ids) in fixtures.minilm.ids.enumerated() {
            #expect(tokenizer.decode(ids, skipSpecialTokens: true) == fixtures.minilm.decoded_skipping_special_tokens[i])
        }
        #expect(tokenizer.decode([101, 7592, 102]) == "[CLS] hello [SEP]")
    }

    @Test func miniLMSpecialTokens() throws {
        let tokenizer = try miniLM("tokenizer.json")
        let special = tokenizer.specialTokens
        #expect(special.pad == 0 && special.unk == 100 && special.cls == 101 && special.sep == 102 && special.mask == 103)
        #expect(tokenizer.usesTokenTypeIDs && tokenizer.specialTokenCount == 2)
        #expect(tokenizer.id(forToken: "##ing") == 2075 && tokenizer.token(forID: 2075) == "##ing")
    }

    // MARK: BasicTokenizer rules, worked by hand

    @Test func lowercasesAndStripsAccents() {
        #expect(BasicTokenizer().tokenize("Héllo WORLD Ångström") == ["hello", "world", "angstrom"])
        #expect(BasicTokenizer(lowercase: false).tokenize("Héllo WORLD") == ["Héllo", "WORLD"])
        #expect(BasicTokenizer(lowercase: false, stripAccents: true).tokenize("Héllo") == ["Hello"])
        #expect(BasicTokenizer(lowercase: true, stripAccents: false).tokenize("HÉllo") == ["héllo"])
    }

    @Test func splitsPunctuationIncludingASCIISymbols() {
        #expect(BasicTokenizer().tokenize("a$b^c`d|e~f+g=h<i>") ==
                ["a", "$", "b", "^", "c", "`", "d", "|", "e", "~", "f", "+", "g", "=", "h", "<", "i", ">"])
        #expect(BasicTokenizer().tokenize("wait—what?!") == ["wait", "—", "what", "?", "!"])
        #expect(BasicTokenizer().tokenize("«quoted»") == ["«", "quoted", "»"])
    }

    @Test func isolatesCJKCharacters() {
        #expect(BasicTokenizer().tokenize("我爱ab中文") == ["我", "爱", "ab", "中", "文"])
        // Hiragana is not isolated; it stays inside its word.
        #expect(BasicTokenizer(lowercase: false).tokenize("ひらがな") == ["ひらがな"])
        #expect(BasicTokenizer(handleChineseCharacters: false).tokenize("我爱ab") == ["我爱ab"])
    }

    @Test func cleansWhitespaceAndControlCharacters() {
        #expect(BasicTokenizer().tokenize("  a\tb\nc\r\nd\u{3000}e  ") == ["a", "b", "c", "d", "e"])
        #expect(BasicTokenizer().tokenize("a\u{0007}b\u{00AD}c\u{FFFD}d\u{0}e") == ["abcde"])
        #expect(BasicTokenizer().tokenize("") == [])
        #expect(BasicTokenizer().tokenize(" \t\n ") == [])
    }

    // MARK: WordPiece, worked by hand

    private func tinyWordPiece(maxCharacters: Int = 100) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able",
                                            "aff", "able", "##a", "a", "é", "##é", ","],
                               maxInputCharactersPerWord: maxCharacters,
                               basicTokenizer: BasicTokenizer(lowercase: false))
    }

    @Test func greedyLongestMatchFirst() throws {
        let tokenizer = try tinyWordPiece()
        #expect(tokenizer.encode("unaffable", addSpecialTokens: true) == [2, 5, 6, 7, 3])
        #expect(tokenizer.encode("able, aaa", addSpecialTokens: false) == [9, 14, 11, 10, 10])
        #expect(tokenizer.encode("unxable", addSpecialTokens: false) == [1])  // unmatchable piece
        #expect(tokenizer.encode("éé", addSpecialTokens: false) == [12, 13])  // multi-byte pieces
        #expect(tokenizer.encode("a [MASK] b", addSpecialTokens: false) == [11, 4, 1])
        #expect(tokenizer.decode([2, 5, 6, 7, 14, 9, 3], skipSpecialTokens: true) == "unaffable, able")
    }

    @Test func wordsLongerThanTheLimitAreUnknown() throws {
        let tokenizer = try tinyWordPiece(maxCharacters: 5)
        #expect(tokenizer.encode("aaaaa aaaaaa", addSpecialTokens: false) == [11, 10, 10, 10, 10, 1])
        #expect(tokenizer.encode("ééééé", addSpecialTokens: false) == [12, 13, 13, 13, 13])  // characters, not bytes
    }

    // MARK: Malformed files: one test per case

    @Test func missingVocabularyFile() {
        let url = URL(fileURLWithPath: "/nonexistent/vocab.txt")
        expectTokenizerError(.unreadableFile(path: url.path, reason: "no such file")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func duplicateVocabularyLine() throws {
        let url = try temporaryFile("vocab.txt", "[UNK]\n[CLS]\n[SEP]\nhello\nworld\nhello\n")
        expectTokenizerError(.invalidVocabularyLine(path: url.path, line: 6,
                                                    reason: "duplicate token 'hello' (first on line 4)")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func emptyVocabularyLine() throws {
        let url = try temporaryFile("vocab.txt", "[UNK]\n[CLS]\n\n[SEP]\n")
        expectTokenizerError(.invalidVocabularyLine(path: url.path, line: 3, reason: "empty token")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func vocabularyThatIsNotUTF8() throws {
        let url = try temporaryFile("vocab.txt", "")
        try Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: url)
        expectTokenizerError(.unreadableFile(path: url.path, reason: "not UTF-8 text")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func vocabularyWithoutUnknownToken() throws {
        let url = try temporaryFile("vocab.txt", "[CLS]\n[SEP]\nhello\n")
        expectTokenizerError(.missingToken(path: url.path, token: "[UNK]", role: "unknown")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func vocabularyWithoutSeparatorToken() throws {
        let url = try temporaryFile("vocab.txt", "[UNK]\n[CLS]\nhello\n")
        expectTokenizerError(.missingToken(path: url.path, token: "[SEP]", role: "separator")) {
            _ = try WordPieceTokenizer(vocabularyFile: url)
        }
    }

    @Test func tokenizerJSONWithoutUnknownTokenInVocabulary() throws {
        let url = try temporaryFile("tokenizer.json", """
            {"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[CLS]": 0, "[SEP]": 1, "a": 2}},
             "normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": null}
            """)
        expectTokenizerError(.missingToken(path: url.path, token: "[UNK]", role: "unknown")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func addedTokensExtendTheVocabulary() throws {
        let url = try temporaryFile("tokenizer.json", """
            {"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3}},
             "added_tokens": [{"id": 4, "content": "<new>", "special": false}, {"id": 1, "content": "[CLS]", "special": true}],
             "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 1], "sep": ["[SEP]", 2]},
             "pre_tokenizer": {"type": "BertPreTokenizer"}}
            """)
        // Reference from Hugging Face tokenizers 0.23: [1, 3, 4, 3, 0, 2], vocabulary size 5.
        let tokenizer = try AutoTokenizer.load(from: url)
        #expect(tokenizer.vocabularySize == 5)
        #expect(tokenizer.encode("a<new>a b", addSpecialTokens: true) == [1, 3, 4, 3, 0, 2])
    }

    @Test func addedTokenClashingWithTheVocabulary() throws {
        let url = try temporaryFile("tokenizer.json", """
            {"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2}},
             "added_tokens": [{"id": 2, "content": "[MASK]"}], "pre_tokenizer": {"type": "BertPreTokenizer"}}
            """)
        expectTokenizerError(.invalidField(path: url.path, keyPath: "added_tokens",
                                           reason: "gives '[MASK]' id 2, which clashes with model.vocab")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func wordPieceWithoutPreTokenizer() throws {
        let url = try temporaryFile("tokenizer.json", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}"#)
        expectTokenizerError(.invalidField(path: url.path, keyPath: "pre_tokenizer",
                                           reason: "is missing; WordPiece needs a BertPreTokenizer")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func badJSON() throws {
        let url = try temporaryFile("tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", ")
        do {
            _ = try AutoTokenizer.load(from: url)
            Issue.record("no error")
        } catch let TokenizerError.invalidJSON(path, reason) {
            #expect(path == url.path && !reason.isEmpty)
        }
    }

    @Test func unknownModelType() throws {
        let url = try temporaryFile("tokenizer.json", #"{"model": {"type": "Unigram", "vocab": []}}"#)
        expectTokenizerError(.unsupported(path: url.path, component: "model", type: "Unigram")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func vocabularyIDsWithAGap() throws {
        let url = try temporaryFile("tokenizer.json", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 5}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#)
        expectTokenizerError(.invalidField(path: url.path, keyPath: "model.vocab.a", reason: "has id 5, outside 0..<2")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func folderWithoutTokenizerFiles() throws {
        let folder = try temporaryFile("other.txt", "x").deletingLastPathComponent()
        expectTokenizerError(.unreadableFile(path: folder.path, reason: "the folder has no tokenizer.json or vocab.txt")) {
            _ = try AutoTokenizer.load(from: folder)
        }
    }

    @Test func errorMessagesNameTheFileAndTheProblem() {
        let error = TokenizerError.invalidVocabularyLine(path: "/m/vocab.txt", line: 7, reason: "empty token")
        #expect(error.description == "/m/vocab.txt line 7: empty token")
        #expect(TokenizerError.invalidMerge(path: "t.json", index: 3, reason: "x").description == "t.json: merge #3 x")
    }
}
