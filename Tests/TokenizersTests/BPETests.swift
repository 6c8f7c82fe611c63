import Foundation
import Testing
import TestFixtures
@testable import Tokenizers

@Suite struct BPETests {
    let fixtures = TokenizerFixtures.shared
    let url = fixtureURL("tiny_bpe_tokenizer.json")

    @Test func tinyBPEMatchesHuggingFace() throws {
        let tokenizer = try AutoTokenizer.load(from: url)
        #expect(tokenizer is ByteLevelBPETokenizer)
        let reference = fixtures.tiny_bpe
        #expect(tokenizer.vocabularySize == reference.vocab_size)
        for (i, sentence) in fixtures.sentences.enumerated() {
            let encoding = tokenizer.encoding(of: sentence, maxLength: reference.max_length)
            #expect(encoding.ids == reference.ids[i], "sentence \(i): \(sentence.prefix(60))")
            #expect(encoding.attentionMask == reference.attention_mask[i])
            #expect(encoding.tokenTypeIDs == nil)
            #expect(tokenizer.encode(sentence, addSpecialTokens: false)
                    == reference.ids_without_special_tokens_untruncated[i], "sentence \(i)")
        }
    }

    @Test func tinyBPERandomStringsMatchHuggingFace() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
        for (i, text) in fixtures.random_strings.enumerated() {
            #expect(tokenizer.encode(text, addSpecialTokens: false) == fixtures.tiny_bpe.random_strings_ids[i],
                    "string \(i): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(tokenizer.decode(fixtures.tiny_bpe.random_strings_ids[i]) == text)
        }
    }

    @Test func tokensAreSpelledInGPT2Characters() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
        for (i, sentence) in fixtures.sentences.enumerated().prefix(5) {
            let expected = fixtures.tiny_bpe.tokens[i].dropLast()  // without <|endoftext|>
            #expect(tokenizer.tokenize(sentence) == Array(expected))
        }
    }

    @Test func decodeRoundTripsAndMatchesHuggingFace() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
        for (i, sentence) in fixtures.sentences.enumerated() {
            let ids = fixtures.tiny_bpe.ids_without_special_tokens_untruncated[i]
            #expect(tokenizer.decode(ids) == sentence)
            #expect(tokenizer.decode(fixtures.tiny_bpe.ids[i], skipSpecialTokens: true)
                    == fixtures.tiny_bpe.decoded_skipping_special_tokens[i])
        }
        #expect(tokenizer.decode([0]) == "<|endoftext|>")
    }

    @Test func mergesWrittenAsStringsLoadTheSame() throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var model = json["model"] as! [String: Any]
        model["merges"] = (model["merges"] as! [[String]]).map { "\($0[0]) \($0[1])" }
        json["model"] = model
        let text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        let stringForm = try ByteLevelBPETokenizer(tokenizerJSON: try temporaryFile("tokenizer.json", text))
        let arrayForm = try ByteLevelBPETokenizer(tokenizerJSON: url)
        for sentence in fixtures.sentences {
            #expect(stringForm.encode(sentence, addSpecialTokens: true) == arrayForm.encode(sentence, addSpecialTokens: true))
        }
    }

    @Test func addPrefixSpaceMatchesHuggingFace() throws {
        var tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
        tokenizer.addPrefixSpace = true
        for (i, sentence) in fixtures.sentences.enumerated() {
            #expect(tokenizer.encode(sentence, addSpecialTokens: false) == fixtures.tiny_bpe_add_prefix_space_ids[i],
                    "sentence \(i)")
        }
    }

    @Test func specialTokensAndTemplate() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: url)
        #expect(tokenizer.specialTokens.eos == 0 && tokenizer.specialTokens.pad == 1)
        #expect(tokenizer.template.prefix == [] && tokenizer.template.suffix == [0])
        #expect(tokenizer.template.pair == [.first(typeID: 0), .second(typeID: 1)])
        #expect(tokenizer.encode("a<|endoftext|>b<pad>", addSpecialTokens: false)
                == tokenizer.encode("a", addSpecialTokens: false) + [0] + tokenizer.encode("b", addSpecialTokens: false) + [1])
        // Repeated words come from the cache and must equal the first, uncached, result.
        let once = tokenizer.encode(" the model", addSpecialTokens: false)
        #expect(tokenizer.encode(" the model the model", addSpecialTokens: false) == once + once)
    }

    // MARK: GPT-2 pre-tokenization, worked by hand

    private func pieces(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var ranges: [Range<Int>] = []
            GPT2PreTokenizer.split(bytes, into: &ranges)
            return ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
        }
    }

    @Test func preTokenizationFollowsTheGPT2Pattern() {
        #expect(pieces("Hello world") == ["Hello", " world"])
        #expect(pieces("I'm you'll they've it's he'd we're can't") ==
                ["I", "'m", " you", "'ll", " they", "'ve", " it", "'s", " he", "'d", " we", "'re", " can", "'t"])
        #expect(pieces("WE'RE 'quoted'") == ["WE", "'", "RE", " '", "quoted", "'"])
        #expect(pieces("abc123 4.5!!?") == ["abc", "123", " 4", ".", "5", "!!?"])
        #expect(pieces("a   b") == ["a", "  ", " b"])           // the last space goes to the word
        #expect(pieces("a\n\nb") == ["a", "\n", "\n", "b"])    // a newline does not
        #expect(pieces("end   ") == ["end", "   "])           // trailing whitespace stays one piece
        #expect(pieces("héllo wörld 北京 ١٢") == ["héllo", " wörld", " 北京", " ١٢"])
        #expect(pieces("😀😀 x") == ["😀😀", " x"])
        #expect(pieces("") == [])
    }

    @Test func byteMappingMatchesGPT2() {
        #expect(ByteLevelMapping.characters[32] == "Ġ" && ByteLevelMapping.characters[10] == "Ċ")
        #expect(ByteLevelMapping.characters[65] == "A" && ByteLevelMapping.characters[173] == "Ń")
        #expect(Set(ByteLevelMapping.characters).count == 256)
        #expect(ByteLevelMapping.decode("ĠhÃ©") == [32, 104, 195, 169])
        #expect(ByteLevelMapping.decode("<|endoftext|>") == Array("<|endoftext|>".utf8))
        #expect(ByteLevelMapping.decode("Ā") == [0] && ByteLevelMapping.decode("中") == nil)
    }

    // MARK: Malformed files: one test per case

    private func bpeJSON(vocab: String = #"{"a": 0, "b": 1, "ab": 2}"#, merges: String = #"["a b"]"#,
                         unk: String = "null", preTokenizer: String = #"{"type": "ByteLevel"}"#,
                         modelType: String = "BPE") -> String {
        #"{"model": {"type": "\#(modelType)", "vocab": \#(vocab), "merges": \#(merges), "unk_token": \#(unk)}, "#
            + #""normalizer": null, "pre_tokenizer": \#(preTokenizer), "post_processor": null}"#
    }

    @Test func smallHandWrittenFileWorks() throws {
        let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: try temporaryFile("tokenizer.json", bpeJSON()))
        #expect(tokenizer.encode("abba", addSpecialTokens: true) == [2, 1, 0])
        #expect(tokenizer.encode("aab", addSpecialTokens: true) == [0, 2])
    }

    @Test func ignoreMergesTakesWholeVocabularyWords() throws {
        // Reference from Hugging Face tokenizers 0.23: [3, 2, 1] with ignore_merges, [2, 1, 2, 1] without
        // (the space byte is not in this vocabulary and there is no unk token, so it is dropped).
        let vocab = #"{"a": 0, "b": 1, "ab": 2, "abb": 3}"#
        let plain = bpeJSON(vocab: vocab)
        let ignoring = plain.replacingOccurrences(of: #""unk_token": null"#, with: #""unk_token": null, "ignore_merges": true"#)
        let withFlag = try ByteLevelBPETokenizer(tokenizerJSON: try temporaryFile("tokenizer.json", ignoring))
        let without = try ByteLevelBPETokenizer(tokenizerJSON: try temporaryFile("tokenizer.json", plain))
        #expect(withFlag.encode("abb abb", addSpecialTokens: false) == [3, 2, 1])
        #expect(without.encode("abb abb", addSpecialTokens: false) == [2, 1, 2, 1])
    }

    @Test func mergeWithUnknownToken() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(merges: #"["a b", "b c"]"#))
        expectTokenizerError(.invalidMerge(path: url.path, index: 1,
                                           reason: "('b', 'c') needs 'c', which is not in the vocabulary")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func mergeWithoutMergedToken() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(merges: #"["b a"]"#))
        expectTokenizerError(.invalidMerge(path: url.path, index: 0,
                                           reason: "('b', 'a') needs 'ba', which is not in the vocabulary")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func malformedMerge() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(merges: #"["a b c"]"#))
        expectTokenizerError(.invalidMerge(path: url.path, index: 0,
                                           reason: "'a b c' is not two tokens separated by one space")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func unknownTokenMissingFromVocabulary() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(unk: #""<unk>""#))
        expectTokenizerError(.missingToken(path: url.path, token: "<unk>", role: "unknown")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func unsupportedPreTokenizer() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(preTokenizer: #"{"type": "Metaspace"}"#))
        expectTokenizerError(.unsupported(path: url.path, component: "pre_tokenizer", type: "Metaspace")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func mergesMissing() throws {
        let url = try temporaryFile("tokenizer.json", #"{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "ByteLevel"}}"#)
        expectTokenizerError(.invalidField(path: url.path, keyPath: "model.merges", reason: "is missing or not a list")) {
            _ = try ByteLevelBPETokenizer(tokenizerJSON: url)
        }
    }

    @Test func wrongModelTypeForThisTokenizer() throws {
        let url = try temporaryFile("tokenizer.json", bpeJSON(modelType: "WordLevel"))
        expectTokenizerError(.unsupported(path: url.path, component: "model", type: "WordLevel")) {
            _ = try ByteLevelBPETokenizer(tokenizerJSON: url)
        }
    }

    @Test func addedTokenWithAnIDFarOutside() throws {
        var text = bpeJSON()
        text.removeLast()
        text += #", "added_tokens": [{"id": 99999999, "content": "<x>", "special": true}]}"#
        let url = try temporaryFile("tokenizer.json", text)
        expectTokenizerError(.invalidField(path: url.path, keyPath: "added_tokens[0].id", reason: "is 99999999, outside 0..<4")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }

    @Test func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        expectTokenizerError(.unreadableFile(path: url.path, reason: "no such file or folder")) {
            _ = try AutoTokenizer.load(from: url)
        }
    }
}
