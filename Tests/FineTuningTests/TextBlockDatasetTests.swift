import Foundation
import Testing
@testable import FineTuning

@Suite struct TextBlockDatasetTests {
    private func stream(_ count: Int) -> [Int32] { (0..<count).map { Int32($0) } }

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("text-blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func blocksHoldBlockSizePlusOneIdsAndStepByTheStride() {
        let blocks = TextBlockDataset(tokens: stream(10), blockSize: 3)
        #expect(blocks.starts == [0, 3, 6])   // consecutive blocks share one id
        #expect(blocks.example(at: 1).ids == [3, 4, 5, 6])
        #expect(TextBlockDataset(tokens: stream(10), blockSize: 3, stride: 2).starts == [0, 2, 4, 6])
        #expect(TextBlockDataset(tokens: stream(4), blockSize: 3).starts == [0])
        #expect(TextBlockDataset(tokens: stream(3), blockSize: 3).count == 0)
    }

    @Test func theLastBlockEndsAtTheLastToken() {
        let blocks = TextBlockDataset(tokens: stream(12), blockSize: 3)
        #expect(blocks.starts == [0, 3, 6, 8])
        #expect(blocks.example(at: 3).ids == [8, 9, 10, 11])
        #expect(blocks.coveredTokenCount == 12)
    }

    @Test func theCollatorShiftsTargetsByOneWithoutPaddingOrMask() {
        let blocks = TextBlockDataset(tokens: stream(10), blockSize: 3)
        let batch = TokenBlockCollator().collate([blocks.example(at: 0), blocks.example(at: 2)])
        #expect(batch.inputIDs.shape == [2, 3])
        #expect(batch.inputIDs.scalars(as: Int64.self) == [0, 1, 2, 6, 7, 8])
        #expect(batch.labels.scalars(as: Int64.self) == [1, 2, 3, 7, 8, 9])
        #expect(batch.attentionMask == nil)
        #expect(batch.tokenCount == 6)
    }

    @Test func documentsEndWithTheTokenizersEndOfSequenceId() {
        let tokenizer = ByteTokenizer()
        let corpus = TextCorpus(texts: ["ab", "", "c"], tokenizer: tokenizer)
        #expect(corpus.tokens == [97, 98, 257, 99, 257])
        #expect(corpus.documents.map(\.tokenRange) == [0..<2, 3..<4])
        #expect(corpus.documents.map(\.name) == ["text 1", "text 3"])
        #expect(TextCorpus(texts: ["ab", "c"], tokenizer: tokenizer, separator: .none).tokens == [97, 98, 99])
        #expect(TextCorpus(texts: ["ab", "c"], tokenizer: tokenizer, separator: .id(10)).tokens == [97, 98, 10, 99, 10])
    }

    @Test func validationBlocksShareNoTokenWithTrainingBlocks() throws {
        // 998 bytes and the end-of-sequence id: 111 cells of 9 tokens.
        let corpus = TextCorpus(texts: [String(String(repeating: "abcdefghij", count: 100).dropLast(2))], tokenizer: ByteTokenizer())
        let parts = try corpus.blocks(size: 8, stride: 3, validation: 0.2, seed: 7)
        let width = 9
        #expect(parts.validation.count == Int((Double(corpus.tokens.count / width) * 0.2).rounded()))
        #expect(parts.validation.starts.allSatisfy { $0 % width == 0 })
        let validationTokens = Set(parts.validation.starts.flatMap { $0..<($0 + width) })
        let trainTokens = Set(parts.train.starts.flatMap { $0..<($0 + width) })
        #expect(validationTokens.isDisjoint(with: trainTokens))
        // Everything outside the validation cells is trained on.
        #expect(validationTokens.count + trainTokens.count == corpus.tokens.count)

        let again = try corpus.blocks(size: 8, stride: 3, validation: 0.2, seed: 7)
        #expect(again.validation.starts == parts.validation.starts && again.train.starts == parts.train.starts)
        let other = try corpus.blocks(size: 8, stride: 3, validation: 0.2, seed: 8)
        #expect(other.validation.starts != parts.validation.starts)
    }

    @Test func aSmallValidationFractionStillGivesOneBlock() throws {
        let corpus = TextCorpus(texts: [String(repeating: "x", count: 30)], tokenizer: ByteTokenizer())
        let parts = try corpus.blocks(size: 9, validation: 0.01, seed: 0)
        #expect(parts.validation.count == 1)
        #expect(parts.train.count >= 1)
        #expect(try corpus.blocks(size: 9, validation: 0, seed: 0).validation.count == 0)
    }

    @Test func tooShortATextThrowsNamingIt() throws {
        let corpus = TextCorpus(texts: ["short"], tokenizer: ByteTokenizer())
        #expect(throws: DataError.tooShort(file: "texts", tokens: 6, needed: 9)) { try corpus.blocks(size: 8) }
        #expect(throws: DataError.tooShort(file: "texts", tokens: 6, needed: 10)) {
            try corpus.blocks(size: 4, validation: 0.1, seed: 0)
        }
    }

    @Test func aFolderIsReadRecursivelyInSortedOrder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b"), withIntermediateDirectories: true)
        try "two".write(to: folder.appendingPathComponent("b/2.txt"), atomically: true, encoding: .utf8)
        try "one".write(to: folder.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "skipped".write(to: folder.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        try "hidden".write(to: folder.appendingPathComponent(".hidden.txt"), atomically: true, encoding: .utf8)
        let corpus = try TextCorpus(contentsOf: folder, tokenizer: ByteTokenizer())
        #expect(corpus.documents.map(\.name) == ["a.txt", "b/2.txt"])
        #expect(ByteTokenizer().decode(corpus.tokens.map { Int($0) }, skipSpecialTokens: false) == "one<eos>two<eos>")
        let withNotes = try TextCorpus(contentsOf: folder, tokenizer: ByteTokenizer(), fileExtensions: ["txt", "md"])
        #expect(withNotes.documents.map(\.name) == ["a.txt", "b/2.txt", "notes.md"])
    }

    @Test func unreadableInputsThrowNamingTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: DataError.unreadable(file: folder.lastPathComponent, reason: "the folder holds no .txt file")) {
            try TextCorpus(contentsOf: folder, tokenizer: ByteTokenizer())
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data([0x68, 0x69, 0xFF, 0xFE]).write(to: folder.appendingPathComponent("sub/latin1.txt"))
        #expect(throws: DataError.unreadable(file: "sub/latin1.txt", reason: "not valid UTF-8")) {
            try TextCorpus(contentsOf: folder, tokenizer: ByteTokenizer())
        }
        let missing = folder.appendingPathComponent("missing.txt")
        #expect(throws: DataError.unreadable(file: missing.path, reason: "no such file or folder")) {
            try TextCorpus(contentsOf: missing, tokenizer: ByteTokenizer())
        }
    }
}
