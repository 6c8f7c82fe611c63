import Foundation
import Testing
import TestFixtures
@testable import Tokenizers

/// Reference outputs of Hugging Face `tokenizers` (Tests/Fixtures/make_tokenizer_fixtures.py).
struct TokenizerReference: Decodable {
    struct Batch: Decodable {
        var ids: [[Int]]
        var attention_mask: [[Int]]
        var type_ids: [[Int]]
    }
    var max_length: Int
    var ids: [[Int]]
    var attention_mask: [[Int]]
    var type_ids: [[Int]]
    var ids_without_special_tokens_untruncated: [[Int]]
    var random_strings_ids: [[Int]]
    var tokens: [[String]]
    var decoded_skipping_special_tokens: [String]
    var padded_batch: Batch
    var vocab_size: Int
}

/// Pairs (sentence i, sentence i + 1) encoded with truncation and padding to the longest.
struct PairReference: Decodable {
    var max_length: Int
    var ids: [[Int]]
    var attention_mask: [[Int]]
    var type_ids: [[Int]]
}

struct TokenizerFixtures: Decodable {
    var sentences: [String]
    var random_strings: [String]
    var minilm: TokenizerReference
    var tiny_bpe: TokenizerReference
    var tiny_bpe_add_prefix_space_ids: [[Int]]
    var minilm_pairs: PairReference
    var tiny_bpe_pairs: PairReference

    /// The pairs `pair_reference` in the fixture script encodes.
    var pairs: [(String, String)] {
        sentences.indices.map { (sentences[$0], sentences[($0 + 1) % sentences.count]) }
    }

    static let shared: TokenizerFixtures = {
        let data = try! Data(contentsOf: fixtureURL("tokenizers.json"))
        return try! JSONDecoder().decode(TokenizerFixtures.self, from: data)
    }()
}

/// A fresh temporary file holding `contents`.
func temporaryFile(_ name: String, _ contents: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// Expects `body` to throw exactly `expected`.
func expectTokenizerError(_ expected: TokenizerError, sourceLocation: SourceLocation = #_sourceLocation,
                          _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as TokenizerError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}
