import Foundation
import Testing
@testable import TensorKit

/// GGUFWriter: files it writes read back identically with GGUFFile (and with the `gguf`
/// package's reader: see make_gguf_fixtures.py --check).
@Suite struct GGUFRoundTripTests {
    /// 2 × 64 values i / 7 − 9, the same the fixture script's --check expects.
    static func values() -> Tensor {
        let data = (0..<128).map { Float($0) / 7 - 9 }
        return Tensor(data, shape: [2, 64])
    }

    static func writer() throws -> GGUFWriter {
        var writer = GGUFWriter()
        writer.metadata["general.architecture"] = .string("llama")
        writer.metadata["llama.block_count"] = .uint32(2)
        writer.metadata["llama.rope.freq_base"] = .float32(10000)
        writer.metadata["tokenizer.ggml.tokens"] = .array(elementType: .string, values: [.string("<s>"), .string("hello"), .string("wörld")])
        try writer.add("w.f32", values(), as: .f32)
        try writer.add("w.f16", values(), as: .f16)
        try writer.add("w.q8_0", values(), as: .q8_0)
        return writer
    }

    @Test func writesAFilePythonReads() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("out.gguf")
        try Self.writer().write(to: url)
        if let copy = ProcessInfo.processInfo.environment["GGUF_WRITER_CHECK_PATH"] {
            // For the manual interoperability check with the Python reader.
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(at: url, to: URL(fileURLWithPath: copy))
        }
        let file = try GGUFFile(contentsOf: url)
        #expect(file.version == 3)
        #expect(file.metadata.keys == ["general.architecture", "llama.block_count", "llama.rope.freq_base", "tokenizer.ggml.tokens"])
        #expect(try file.metadata.strings("tokenizer.ggml.tokens") == ["<s>", "hello", "wörld"])
        #expect(file.names == ["w.f32", "w.f16", "w.q8_0"])
        let source = ggufFloats(Self.values())
        expectSameBits(ggufFloats(try file.tensor(named: "w.f32")), source, "f32")
        for (name, type) in [("w.f16", GGMLType.f16), ("w.q8_0", .q8_0)] {
            let info = try #require(file.info(named: name))
            #expect(info.type == type && info.shape == [2, 64] && info.offset % 32 == 0)
            let quantized = QuantizedTensor(quantizing: Self.values(), as: type)
            #expect(ggufBytes(try file.quantizedTensor(named: name)) == ggufBytes(quantized))
            expectSameBits(ggufFloats(try file.tensor(named: name)), ggufFloats(quantized.dequantized()), name)
        }
    }

    @Test func everyValueTypeAndQuantizedBlocksRoundTrip() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let fixture = try GGUFFile(contentsOf: fixtureURL("gguf_metadata.gguf"))
        let blocks = try GGUFFile(contentsOf: fixtureURL("gguf_quant_blocks.gguf"))
        var writer = GGUFWriter()
        writer.metadata = fixture.metadata
        writer.metadata["test.array.empty"] = .array(elementType: .float64, values: [])
        writer.metadata["test.array.empty.nested"] = .array(elementType: .array, values: [.array(elementType: .string, values: [])])
        writer.metadata["general.alignment"] = .uint32(128)
        for type in GGUFDequantizationTests.types { try writer.add(type.name, try blocks.quantizedTensor(named: type.name)) }
        try writer.add("scalar", Tensor([Float(2.5)], shape: []))
        let url = folder.file("all.gguf")
        try writer.write(to: url, durable: false)

        let back = try GGUFFile(contentsOf: url)
        #expect(back.metadata == writer.metadata)
        #expect(back.alignment == 128 && back.dataOffset % 128 == 0)
        for type in GGUFDequantizationTests.types {
            let info = try #require(back.info(named: type.name))
            #expect(info == GGUFTensorInfo(name: type.name, type: type, dimensions: info.dimensions, offset: info.offset, byteCount: info.byteCount))
            #expect(info.offset % 128 == 0)
            #expect(ggufBytes(try back.quantizedTensor(named: type.name)) == ggufBytes(try blocks.quantizedTensor(named: type.name)))
        }
        #expect(try back.tensor(named: "scalar").shape == [])
        #expect(ggufFloats(try back.tensor(named: "scalar")) == [2.5])
        #expect(try folder.contents() == ["all.gguf"])  // no temporary file left
    }

    @Test func writerRefusesWhatGGUFCannotHold() throws {
        var writer = GGUFWriter()
        let w = Self.values()
        #expect(throws: GGUFError.invalidTensor(file: "GGUFWriter", tensor: "q", reason: "the writer encodes F32, F16, BF16 and Q8_0, not Q4_K")) {
            try writer.add("q", w, as: .q4_K)
        }
        #expect(throws: GGUFError.invalidTensor(file: "GGUFWriter", tensor: "odd", reason: "row length 3 of shape [2, 3] is not a multiple of Q8_0's block size 32")) {
            try writer.add("odd", Tensor([Float](repeating: 1, count: 6), shape: [2, 3]), as: .q8_0)
        }
        try writer.add("w", w)
        #expect(throws: GGUFError.invalidTensor(file: "GGUFWriter", tensor: "w", reason: "the name is already added")) { try writer.add("w", w) }

        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("bad.gguf")
        writer.metadata["general.alignment"] = .uint64(32)
        #expect(throws: GGUFError.self) { try writer.write(to: url) }
        writer.metadata["general.alignment"] = nil
        writer.metadata["mixed"] = .array(elementType: .int32, values: [.int32(1), .string("x")])
        #expect(throws: GGUFError.invalidMetadata(file: url.path, key: "mixed", reason: "an array of int32 holds a string value (\"x\")")) {
            try writer.write(to: url)
        }
        #expect(try folder.contents().isEmpty)
    }
}
