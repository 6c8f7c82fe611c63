import Foundation
import Testing
import TestFixtures
@testable import Tokenizers

/// How Hugging Face tokenizers cuts texts with GPT-2's ByteLevel pattern and the Llama 3 and
/// Qwen 2 patterns transformers uses for GGUF vocabularies
/// (Tests/Fixtures/make_gguf_pretokenizer_fixtures.py).
private struct PreTokenizerPieces: Decodable {
    var texts: [String]
    var pieces: [String: [[String]]]
}

@Suite struct BPEPreTokenizerTests {
    private func pieces(of text: String, _ kind: BPEPreTokenizer) -> [String] {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { kind.split($0, into: &ranges) }
        return ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// Contractions in any case (and `ſ`), digit groups, line breaks after symbols, Unicode
    /// spaces and random strings are cut exactly as the reference regular expressions cut them.
    @Test(arguments: BPEPreTokenizer.allCases)
    func piecesMatchHuggingFace(_ kind: BPEPreTokenizer) throws {
        let data = try Data(contentsOf: fixtureURL("gguf_pretokenizers.json"))
        let reference = try JSONDecoder().decode(PreTokenizerPieces.self, from: data)
        let expected = try #require(reference.pieces[kind.rawValue])
        #expect(expected.count == reference.texts.count)
        for (i, text) in reference.texts.enumerated() {
            #expect(pieces(of: text, kind) == expected[i],
                    "\(kind) text \(i): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func digitGroupsDifferByPattern() {
        #expect(pieces(of: "x 12345", .gpt2) == ["x", " 12345"])
        #expect(pieces(of: "x 12345", .llama3) == ["x", " ", "123", "45"])
        #expect(pieces(of: "x 12345", .qwen2) == ["x", " ", "1", "2", "3", "4", "5"])
    }

    /// A megabyte of one word is cut in one pass: pre-tokenizing is linear in the text.
    @Test func longRunsAreOnePiece() {
        let word = String(repeating: "ab", count: 512 * 1024)
        for kind in BPEPreTokenizer.allCases { #expect(pieces(of: word, kind).count == 1) }
    }
}
