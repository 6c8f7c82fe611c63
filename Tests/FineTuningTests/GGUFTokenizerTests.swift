import Foundation
import Testing
import TestFixtures
@testable import FineTuning
@testable import Tokenizers

/// SmolLM2's tokenizer and chat template from Hugging Face transformers loading the same GGUF
/// (Tests/Fixtures/make_smollm2_fixtures.py).
private struct SmolLM2Reference: Decodable {
    struct TokenizerCase: Decodable {
        var text: String
        var ids: [Int]
        var decoded: String
    }
    struct Message: Decodable {
        var role: String
        var content: String
    }
    struct ChatCase: Decodable {
        var messages: [Message]
        var add_generation_prompt: Bool
        var text: String
    }
    var special: [String: Int]
    var tokenizer: [TokenizerCase]
    var chat: [ChatCase]
}

/// transformers' ids for SmolLM2's vocabulary under the Llama 3 and Qwen 2 pre-tokenizers
/// (Tests/Fixtures/make_gguf_pretokenizer_fixtures.py).
private struct PreTokenizerReference: Decodable {
    var texts: [String]
    var smollm2_ids: [String: [[Int]]]
}

// `smolLM2File` (TestFixtures) fetches the model once per process, shared with SmolLM2Tests.
private func smolLM2GGUF() throws -> GGUFFile { try GGUFFile(contentsOf: try smolLM2File.get()) }

/// SmolLM2's tokenizer, read once per process.
private let smolLM2Tokenizer = Result { try ByteLevelBPETokenizer(gguf: try smolLM2GGUF()) }

/// The ids of `text` by the plain quadratic merge loop the tokenizer used before its merge queue:
/// merge the lowest-ranked adjacent pair (leftmost on ties) until none has a rule.
private func quadraticReferenceEncode(_ tokenizer: ByteLevelBPETokenizer, _ text: String) -> [Int] {
    let model = tokenizer.model
    var ids: [Int] = []
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBufferPointer { buffer in
        let text = UnsafeBufferPointer(buffer)
        var pieces: [Range<Int>] = []
        tokenizer.preTokenizer.split(text, into: &pieces)
        for piece in pieces {
            var symbols = text[piece].map { model.byteIDs[Int($0)] }.filter { $0 >= 0 }
            while symbols.count > 1 {
                var best: (rank: UInt64, index: Int, id: Int)?
                for k in 0..<(symbols.count - 1) {
                    if let rule = model.merges[BPEMerger.pairKey(symbols[k], symbols[k + 1])],
                       rule >> 32 < best?.rank ?? .max {
                        best = (rule >> 32, k, Int(rule & 0xFFFF_FFFF))
                    }
                }
                guard let best else { break }
                symbols[best.index] = best.id
                symbols.remove(at: best.index + 1)
            }
            ids += symbols
        }
    }
    return ids
}

@Suite struct GGUFTokenizerTests {
    private let reference: SmolLM2Reference = {
        let data = try! Data(contentsOf: fixtureURL("smollm2_reference.json"))
        return try! JSONDecoder().decode(SmolLM2Reference.self, from: data)
    }()

    /// Ids identical to `tok(text).input_ids` on Korean, emoji, code, whitespace runs and special
    /// tokens; decoding gives transformers' `decode`.
    @Test func idsAndDecodingMatchTransformers() throws {
        let tokenizer = try smolLM2Tokenizer.get()
        for (i, item) in reference.tokenizer.enumerated() {
            let ids = tokenizer.encode(item.text, addSpecialTokens: true)
            #expect(ids == item.ids, "text \(i): \(item.text.prefix(40))")
            #expect(tokenizer.decode(item.ids) == item.decoded, "text \(i)")
        }
    }

    @Test func specialTokensMatchTransformers() throws {
        let tokenizer = try smolLM2Tokenizer.get()
        let special = tokenizer.specialTokens
        #expect(special.bos == reference.special["bos"] && special.eos == reference.special["eos"])
        #expect(special.pad == reference.special["pad"] && special.unk == reference.special["unk"])
        #expect(special.all == Set(0..<17))  // the 17 control tokens
        #expect(tokenizer.template == .none)  // tokenizer.ggml.add_bos_token is false
        #expect(tokenizer.preTokenizer == .gpt2 && !tokenizer.addPrefixSpace)
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.token(forID: 1) == "<|im_start|>" && tokenizer.token(forID: 2) == "<|im_end|>")
        #expect(tokenizer.decode([1, 19556, 2], skipSpecialTokens: true) == "Hello")
    }

    /// The template from `tokenizer.chat_template` renders as transformers' `apply_chat_template`.
    @Test func chatTemplateRendersAsTransformers() throws {
        let (gguf, tokenizer) = (try smolLM2GGUF(), try smolLM2Tokenizer.get())
        let template = try #require(try ChatTemplate(gguf: gguf))
        let bos = tokenizer.specialTokens.bos.flatMap(tokenizer.token(forID:))
        let eos = tokenizer.specialTokens.eos.flatMap(tokenizer.token(forID:))
        for (i, item) in reference.chat.enumerated() {
            let text = try template.render(messages: item.messages.map { ChatMessage(role: $0.role, content: $0.content) },
                                           addGenerationPrompt: item.add_generation_prompt, bosToken: bos, eosToken: eos)
            #expect(text == item.text, "chat \(i)")
        }
    }

    /// The same vocabulary under `tokenizer.ggml.pre` = llama-bpe and qwen2 gives transformers' ids.
    @Test func llama3AndQwen2PreTokenizersMatchTransformers() throws {
        let gguf = try smolLM2GGUF()
        let data = try Data(contentsOf: fixtureURL("gguf_pretokenizers.json"))
        let expected = try JSONDecoder().decode(PreTokenizerReference.self, from: data)
        for (kind, pre) in [(BPEPreTokenizer.llama3, "llama-bpe"), (.qwen2, "qwen2")] {
            let tokenizer = try ByteLevelBPETokenizer(gguf: try rewritten(gguf) { $0["tokenizer.ggml.pre"] = .string(pre) })
            #expect(tokenizer.preTokenizer == kind)
            let ids = try #require(expected.smollm2_ids[kind.rawValue])
            for (i, text) in expected.texts.enumerated() {
                #expect(tokenizer.encode(text, addSpecialTokens: true) == ids[i],
                        "\(pre) text \(i): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
    }

    @Test func addBOSAndEOSFlagsWrapSequences() throws {
        let gguf = try smolLM2GGUF()
        let tokenizer = try ByteLevelBPETokenizer(gguf: try rewritten(gguf) {
            $0["tokenizer.ggml.add_bos_token"] = .bool(true)
            $0["tokenizer.ggml.add_eos_token"] = .bool(true)
        })
        #expect(tokenizer.encode("Hello", addSpecialTokens: true) == [1, 19556, 2])
        #expect(tokenizer.encode("Hello", addSpecialTokens: false) == [19556])
        let pair = tokenizer.addingSpecialTokens(to: [5], pairedWith: [6])
        #expect(pair.ids == [1, 5, 2, 1, 6, 2] && pair.typeIDs == [0, 0, 0, 1, 1, 1])
    }

    /// Other tokenizer models, unknown pre-tokenizers, ids past the vocabulary and bad merges
    /// throw errors naming the key and the value.
    @Test func unsupportedOrInvalidMetadataThrowsNamingTheKey() throws {
        let gguf = try smolLM2GGUF()
        let cases: [(String, (inout GGUFMetadata) -> Void)] = [
            ("unsupported tokenizer.ggml.model type 'llama'", { $0["tokenizer.ggml.model"] = .string("llama") }),
            ("unsupported tokenizer.ggml.pre type 'tekken'", { $0["tokenizer.ggml.pre"] = .string("tekken") }),
            ("field 'tokenizer.ggml.bos_token_id' is 49152, outside the 49152 tokens",
             { $0["tokenizer.ggml.bos_token_id"] = .uint32(49_152) }),
            ("field 'tokenizer.ggml.eos_token_id' is not an integer", { $0["tokenizer.ggml.eos_token_id"] = .string("2") }),
            ("field 'tokenizer.ggml.merges[1]' 'Ġt' is not two tokens",
             { $0["tokenizer.ggml.merges"] = .array(elementType: .string, values: [.string("Ġ t"), .string("Ġt")]) }),
            ("field 'tokenizer.ggml.merges[0]' ('Ġ', 'zzzz') needs 'zzzz'",
             { $0["tokenizer.ggml.merges"] = .array(elementType: .string, values: [.string("Ġ zzzz")]) }),
            ("field 'tokenizer.ggml.token_type' has 1 entries for 49152 tokens",
             { $0["tokenizer.ggml.token_type"] = .array(elementType: .int32, values: [.int32(1)]) }),
            ("field 'tokenizer.ggml.tokens' is missing", { $0["tokenizer.ggml.tokens"] = nil }),
        ]
        for (message, change) in cases {
            let file = try rewritten(gguf, change)
            do {
                _ = try ByteLevelBPETokenizer(gguf: file)
                Issue.record("no error for: \(message)")
            } catch let error as TokenizerError {
                #expect(String(describing: error).contains(message), "\(error)")
                #expect(String(describing: error).hasPrefix(file.url.path))
            }
        }
        let withoutTemplate = try rewritten(gguf) { $0["tokenizer.chat_template"] = nil }
        #expect(try ChatTemplate(gguf: withoutTemplate) == nil)
        let badTemplate = try rewritten(gguf) { $0["tokenizer.chat_template"] = .uint8(1) }
        #expect(throws: TokenizerError.self) { try ChatTemplate(gguf: badTemplate) }
    }

    /// The merge queue gives exactly the ids of the quadratic loop it replaced, on random words
    /// of letters, CJK, emoji, digits and punctuation, long ones included.
    @Test func mergeQueueMatchesQuadraticLoop() throws {
        let tokenizer = try smolLM2Tokenizer.get()
        var generator = SplitMix(seed: 14)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz etaoinshrdlu ETAOIN 0123456789 .,;'!?-_()\n\t한국어中文字符日本語😀👍🏽🇫🇷")
        for length in [1, 2, 3, 5, 8, 13, 40, 200, 1500, 4000] {
            for _ in 0..<12 {
                let text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                #expect(tokenizer.encode(text, addSpecialTokens: false) == quadraticReferenceEncode(tokenizer, text),
                        "\(text.prefix(60))")
            }
        }
        let letters = String((0..<3000).map { _ in alphabet[Int(generator.next() % 26)] })
        #expect(tokenizer.encode(letters, addSpecialTokens: false) == quadraticReferenceEncode(tokenizer, letters))
    }

    /// One 256 KB word of letters, CJK or emoji encodes in well under 10 s in a debug build (the
    /// quadratic loop took minutes); release builds do 1 MB in well under a second.
    @Test func longWordsEncodeInNearLinearTime() throws {
        let tokenizer = try smolLM2Tokenizer.get()
        var generator = SplitMix(seed: 16)
        for alphabet in [Array("abcdefghijklmnopqrstuvwxyz"), Array("的一是不了人我在有他这中大来上国个到说们"), Array("😀😃😄😁😆😅🤣😂🙂🙃")] {
            var text = ""
            while text.utf8.count < 256 * 1024 { text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let clock = ContinuousClock()
            var ids: [Int] = []
            let elapsed = clock.measure { ids = tokenizer.encode(text, addSpecialTokens: false) }
            #expect(elapsed < .seconds(10), "\(alphabet.prefix(3)): \(elapsed)")
            #expect(tokenizer.decode(ids) == text)
        }
    }

    /// `gguf` with its metadata changed, written to a temporary file with no tensors.
    private func rewritten(_ gguf: GGUFFile, _ change: (inout GGUFMetadata) -> Void) throws -> GGUFFile {
        var writer = GGUFWriter()
        writer.metadata = gguf.metadata
        change(&writer.metadata)
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-tokenizer-\(UUID().uuidString).gguf")
        try writer.write(to: url, durable: false)
        defer { try? FileManager.default.removeItem(at: url) }
        return try GGUFFile(contentsOf: url)
    }
}

