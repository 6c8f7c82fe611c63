import Foundation
import Testing
@testable import TensorKit

/// Little-endian bytes of a hand-made GGUF file.
private struct Bytes {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += s.utf8 }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    /// Magic, version 3 and the two counts.
    static func header(tensors: UInt64, pairs: UInt64) -> Bytes {
        var b = Bytes()
        b.raw(Array("GGUF".utf8))
        b.u32(3)
        b.u64(tensors)
        b.u64(pairs)
        return b
    }
    /// A tensor info.
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }
    /// Zero bytes up to a multiple of 32, then `count` data bytes.
    mutating func data(_ count: Int) {
        bytes += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32 + count)
    }
}

/// Writes `bytes` to a scratch file and expects opening it to throw the error `expected` builds from the path.
private func expectOpenError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
                             _ expected: (String) -> GGUFError) throws {
    let folder = try IOScratchFolder()
    defer { folder.cleanup() }
    let url = folder.file("bad.gguf")
    try Data(bytes).write(to: url)
    #expect(throws: expected(url.path), sourceLocation: sourceLocation) { _ = try GGUFFile(contentsOf: url) }
}

@Suite struct GGUFMalformedTests {
    @Test func everyTruncationThrowsATypedError() throws {
        for fixture in ["gguf_metadata.gguf", "gguf_quant_blocks.gguf"] {
            let bytes = [UInt8](try Data(contentsOf: fixtureURL(fixture)))
            let full = try GGUFFile(contentsOf: fixtureURL(fixture))
            // Every cut inside the header and tensor infos, then a stride through the data; parsed
            // in memory (the same code GGUFFile runs on the mapped file), so no file per cut.
            let lastByte = full.tensorInfos.map { full.dataOffset + $0.offset + $0.byteCount }.max() ?? 0
            let cuts = Array(0..<full.dataOffset) + Array(stride(from: full.dataOffset, to: lastByte, by: 97))
            for cut in cuts {
                bytes.withUnsafeBytes { buffer in
                    do {
                        _ = try GGUFHeader(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<cut]), file: fixture)
                        Issue.record("\(fixture) cut at \(cut) of \(bytes.count) bytes parsed")
                    } catch {
                        if cut < 4 { #expect(error as? GGUFError == .truncated(file: fixture, context: "the magic", offset: cut, needed: 4 - cut)) }
                    }
                }
            }
            // A few through the file itself.
            let folder = try IOScratchFolder()
            defer { folder.cleanup() }
            let url = folder.file("cut.gguf")
            for cut in [0, 3, 23, full.dataOffset - 1, lastByte - 1] {
                try Data(bytes[0..<cut]).write(to: url)
                #expect(throws: GGUFError.self, "\(fixture) cut at \(cut)") { try GGUFFile(contentsOf: url) }
            }
        }
    }

    @Test func truncationMessageNamesTheKey() throws {
        var b = Bytes.header(tensors: 0, pairs: 1)
        b.string("general.name")
        b.u32(8)
        b.u64(100)
        b.raw(Array("short".utf8))
        try expectOpenError(b.bytes) { .stringTooLong(file: $0, context: "metadata key 'general.name'", length: 100, remaining: 5) }
        var c = Bytes.header(tensors: 0, pairs: 1)
        c.string("llama.block_count")
        c.u32(4)
        c.raw([1, 2])
        try expectOpenError(c.bytes) { .truncated(file: $0, context: "metadata key 'llama.block_count'", offset: c.bytes.count, needed: 2) }
        #expect("\(GGUFError.truncated(file: "m.gguf", context: "metadata key 'k'", offset: 10, needed: 2))"
            == "m.gguf: metadata key 'k': file ends at byte 10, 2 more bytes needed")
    }

    @Test func notGGUFAndEmptyFiles() throws {
        try expectOpenError(Array("GGML".utf8) + [3, 0, 0, 0]) { .notGGUF(file: $0) }
        try expectOpenError([]) { .truncated(file: $0, context: "the magic", offset: 0, needed: 4) }
        #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.gguf")) }
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        #expect(throws: GGUFError.cannotOpen(file: folder.url.path, reason: "not a regular file")) { try GGUFFile(contentsOf: folder.url) }
    }

    @Test func lyingCountsAreCheckedBeforeAllocating() throws {
        let pairs = Bytes.header(tensors: 0, pairs: .max)
        try expectOpenError(pairs.bytes) { .countTooLarge(file: $0, context: "the metadata count", count: .max, minimumBytes: .max, remaining: 0) }
        let tensors = Bytes.header(tensors: 1 << 40, pairs: 0)
        try expectOpenError(tensors.bytes) {
            .countTooLarge(file: $0, context: "the tensor count", count: 1 << 40, minimumBytes: 24 << 40, remaining: 0)
        }
        var array = Bytes.header(tensors: 0, pairs: 1)
        array.string("tokenizer.ggml.tokens")
        array.u32(9)
        array.u32(8)
        array.u64(1 << 32)
        array.string("a")
        try expectOpenError(array.bytes) {
            .countTooLarge(file: $0, context: "metadata key 'tokenizer.ggml.tokens': array of string", count: 1 << 32, minimumBytes: 8 << 32, remaining: 9)
        }
        var huge = Bytes.header(tensors: 0, pairs: 1)
        huge.string("k")
        huge.u32(8)
        huge.u64(.max)
        try expectOpenError(huge.bytes) { .stringTooLong(file: $0, context: "metadata key 'k'", length: .max, remaining: 0) }
        var key = Bytes.header(tensors: 0, pairs: 1)
        key.u64(1 << 62)
        key.raw([UInt8](repeating: 0, count: 16))
        try expectOpenError(key.bytes) { .stringTooLong(file: $0, context: "metadata pair 0's key", length: 1 << 62, remaining: 16) }
    }

    @Test func badValues() throws {
        func pair(_ key: String, _ body: (inout Bytes) -> Void) -> [UInt8] {
            var b = Bytes.header(tensors: 0, pairs: 1)
            b.string(key)
            body(&b)
            return b.bytes
        }
        try expectOpenError(pair("k") { $0.u32(13); $0.u8(0) }) { .unknownValueType(file: $0, key: "k", code: 13) }
        try expectOpenError(pair("k") { $0.u32(9); $0.u32(99); $0.u64(0) }) { .unknownValueType(file: $0, key: "k", code: 99) }
        try expectOpenError(pair("k") { $0.u32(7); $0.u8(2) }) { .invalidBool(file: $0, key: "k", byte: 2) }
        try expectOpenError(pair("k") { $0.u32(8); $0.u64(2); $0.raw([0xC3, 0x28]) }) { .invalidUTF8(file: $0, context: "metadata key 'k'") }
        try expectOpenError(pair("deep") { b in
            b.u32(9)  // the value is an array ...
            for _ in 0..<40 { b.u32(9); b.u64(1) }  // ... of one array, 40 levels down ...
            b.u32(5); b.u64(0)  // ... of no int32
        }) { .arrayNestingTooDeep(file: $0, key: "deep", limit: 32) }
        var twice = Bytes.header(tensors: 0, pairs: 2)
        for _ in 0..<2 { twice.string("k"); twice.u32(0); twice.u8(1) }
        try expectOpenError(twice.bytes) { .duplicateKey(file: $0, key: "k") }
    }

    @Test func badAlignment() throws {
        for (type, value, shown) in [(UInt32(4), UInt64(0), "0 (uint32)"), (4, 48, "48 (uint32)"), (10, 64, "64 (uint64)")] {
            var b = Bytes.header(tensors: 0, pairs: 1)
            b.string("general.alignment")
            b.u32(type)
            if type == 4 { b.u32(UInt32(value)) } else { b.u64(value) }
            try expectOpenError(b.bytes) { .invalidAlignment(file: $0, value: shown) }
        }
    }

    @Test func badTensorInfos() throws {
        func file(_ body: (inout Bytes) -> Void, tensors: UInt64 = 1, data: Int = 64) -> [UInt8] {
            var b = Bytes.header(tensors: tensors, pairs: 0)
            body(&b)
            b.data(data)
            return b.bytes
        }
        try expectOpenError(file { $0.tensor("t", dims: [2, 2], type: 5) }) { .unknownTensorType(file: $0, tensor: "t", code: 5) }
        try expectOpenError(file { $0.tensor("t", dims: [1, 1, 1, 1, 1]) }) {
            .invalidShape(file: $0, tensor: "t", reason: "5 dimensions, at most 4 allowed")
        }
        try expectOpenError(file { $0.tensor("t", dims: [.max]) }) {
            .invalidShape(file: $0, tensor: "t", reason: "extent 18446744073709551615 is too large")
        }
        try expectOpenError(file { $0.tensor("t", dims: [1 << 40, 1 << 40]) }) {
            .invalidShape(file: $0, tensor: "t", reason: "element count of [1099511627776, 1099511627776] overflows")
        }
        try expectOpenError(file { $0.tensor("t", dims: [1 << 61]) }) {
            .invalidShape(file: $0, tensor: "t", reason: "[2305843009213693952] of F32 needs more bytes than fit in memory")
        }
        try expectOpenError(file { $0.tensor("q", dims: [33, 2], type: 3) }) {
            .invalidShape(file: $0, tensor: "q", reason: "row length 33 is not a multiple of Q4_1's block size 32")
        }
        try expectOpenError(file { $0.tensor("t", dims: [4], offset: 16) }) {
            .misplacedData(file: $0, tensor: "t", reason: "offset 16 is not a multiple of the alignment 32")
        }
        try expectOpenError(file({ $0.tensor("t", dims: [32], offset: 0) }, data: 100)) {
            .misplacedData(file: $0, tensor: "t", reason: "128 bytes at offset 0 run past the data section (100 bytes)")
        }
        try expectOpenError(file { $0.tensor("t", dims: [4], offset: 1 << 63) }) {
            .misplacedData(file: $0, tensor: "t", reason: "offset 9223372036854775808 runs past the end of the file")
        }
        try expectOpenError(file { $0.tensor("t", dims: [4], offset: 1 << 62) }) {
            .misplacedData(file: $0, tensor: "t", reason: "16 bytes at offset 4611686018427387904 run past the data section (64 bytes)")
        }
        try expectOpenError(file({ $0.tensor("a", dims: [16]); $0.tensor("b", dims: [8], offset: 32) }, tensors: 2, data: 96)) {
            .misplacedData(file: $0, tensor: "b", reason: "bytes at offset 32 overlap tensor 'a' (offset 0, 64 bytes)")
        }
        try expectOpenError(file({ $0.tensor("a", dims: [4]); $0.tensor("a", dims: [4], offset: 32) }, tensors: 2)) {
            .duplicateTensorName(file: $0, tensor: "a")
        }
    }

    @Test func undecodableTypesOpenButRefuseDequantization() throws {
        var b = Bytes.header(tensors: 1, pairs: 0)
        b.tensor("q2", dims: [256], type: GGMLType.q2_K.rawValue)
        b.data(GGMLType.q2_K.blockByteCount)
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("q2.gguf")
        try Data(b.bytes).write(to: url)
        let file = try GGUFFile(contentsOf: url)
        #expect(try file.quantizedTensor(named: "q2").byteCount == 84)
        #expect(throws: GGUFError.unsupportedTensorType(file: url.path, tensor: "q2", type: "Q2_K")) { try file.tensor(named: "q2") }
    }
}
