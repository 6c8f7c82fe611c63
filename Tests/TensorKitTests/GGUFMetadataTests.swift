import Foundation
import Testing
@testable import TensorKit

/// gguf_metadata.gguf, written by the `gguf` package's GGUFWriter: one key per value type.
@Suite struct GGUFMetadataTests {
    let file: GGUFFile
    init() throws { file = try GGUFFile(contentsOf: fixtureURL("gguf_metadata.gguf")) }

    @Test func header() {
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.metadata.keys.first == "general.architecture")
        #expect(file.metadata.count == 30)
    }

    @Test func scalarsKeepTheirTypes() throws {
        let m = file.metadata
        #expect(m["general.architecture"] == .string("test"))
        #expect(m["test.uint8"] == .uint8(200))
        #expect(m["test.int8"] == .int8(-100))
        #expect(m["test.uint16"] == .uint16(60000))
        #expect(m["test.int16"] == .int16(-30000))
        #expect(m["test.uint32"] == .uint32(4_000_000_000))
        #expect(m["test.int32"] == .int32(-2_000_000_000))
        #expect(m["test.uint64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.int64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.float32"] == .float32(1e-5))
        #expect(m["test.float64"] == .float64(3.141592653589793))
        #expect(m["test.bool.true"] == .bool(true))
        #expect(m["test.bool.false"] == .bool(false))
        #expect(m["test.string"] == .string("héllo, 안녕하세요 👋"))
        #expect(m["test.string.empty"] == .string(""))
    }

    @Test func arrays() throws {
        let m = file.metadata
        #expect(m["test.array.uint8"] == .array(elementType: .uint8, values: [.uint8(1), .uint8(2), .uint8(255)]))
        #expect(m["test.array.int8"] == .array(elementType: .int8, values: [.int8(-128), .int8(0), .int8(127)]))
        #expect(m["test.array.uint16"] == .array(elementType: .uint16, values: [.uint16(65535)]))
        #expect(m["test.array.int16"] == .array(elementType: .int16, values: [.int16(-32768), .int16(32767)]))
        #expect(m["test.array.uint32"] == .array(elementType: .uint32, values: [.uint32(0), .uint32(4_294_967_295)]))
        #expect(try m.ints("test.array.int32") == [-7, 7])
        #expect(m["test.array.uint64"] == .array(elementType: .uint64, values: [.uint64(.max)]))
        #expect(m["test.array.uint64"]?.ints == nil)  // does not fit in Int
        #expect(try m.ints("test.array.int64") == [-1, 1 << 40])
        #expect(try m.floats("test.array.float32") == [0.5, -2.25, 1e-5])
        #expect(try m.doubles("test.array.float64") == [0.1, -1e300])
        #expect(m["test.array.bool"] == .array(elementType: .bool, values: [.bool(true), .bool(false), .bool(true)]))
        #expect(try m.strings("test.array.string") == ["a", "", "<|im_start|>", "Ġthe"])
    }

    @Test func nestedArrays() throws {
        let m = file.metadata
        #expect(m["test.array.nested"] == .array(elementType: .array, values: [
            .array(elementType: .int32, values: [.int32(1), .int32(2)]),
            .array(elementType: .int32, values: [.int32(3)]),
        ]))
        #expect(m["test.array.nested.strings"]?.array?.compactMap(\.strings) == [["x", "y"], ["z"]])
        let three = try #require(m["test.array.nested3"]?.array)
        let decoded: [[[Float]]] = three.map { outer in (outer.array ?? []).map { $0.floats ?? [] } }
        let expected: [[[Float]]] = [[[1.5], [2.5, 3.5]], [[-1.0]]]
        #expect(decoded == expected)
    }

    @Test func typedAccessorsConvertLosslessly() throws {
        let m = file.metadata
        #expect(try m.int("test.uint32") == 4_000_000_000)
        #expect(try m.int("test.int8") == -100)
        #expect(try m.double("test.float32") == Double(Float(1e-5)))
        #expect(try m.double("test.int16") == -30000)
        #expect(try m.bool("test.bool.true"))
        #expect(try m.string("test.string") == "héllo, 안녕하세요 👋")
    }

    @Test func typedAccessorsThrowNamingTheKey() {
        let m = file.metadata
        let path = file.url.path
        #expect(throws: GGUFError.missingKey(file: path, key: "llama.block_count")) { try m.int("llama.block_count") }
        #expect(throws: GGUFError.wrongValueType(file: path, key: "test.string", expected: "an integer", found: "string")) {
            try m.int("test.string")
        }
        #expect(throws: GGUFError.wrongValueType(file: path, key: "test.uint64", expected: "an integer", found: "uint64")) {
            try m.int("test.uint64")  // 18e18 does not fit in Int
        }
        #expect(throws: GGUFError.wrongValueType(file: path, key: "test.array.int32", expected: "an array of strings", found: "array of int32")) {
            try m.strings("test.array.int32")
        }
        #expect("\(GGUFError.missingKey(file: "m.gguf", key: "k"))" == "m.gguf: metadata key 'k' is missing")
    }

    @Test func tensorInfoAndData() throws {
        let info = try #require(file.info(named: "tiny"))
        #expect(info.type == .f32 && info.dimensions == [3, 2] && info.shape == [2, 3] && info.byteCount == 24)
        let tiny = try file.tensor(named: "tiny")
        #expect(tiny.shape == [2, 3] && tiny.dtype == .float32)
        #expect(ggufFloats(tiny) == [0, 1, 2, 3, 4, 5])
        #expect(throws: GGUFError.tensorNotFound(file: file.url.path, tensor: "nope")) { try file.tensor(named: "nope") }
    }

    @Test func versionTwoLoadsAndOtherVersionsDoNot() throws {
        var bytes = [UInt8](try Data(contentsOf: fixtureURL("gguf_metadata.gguf")))
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("v.gguf")
        bytes[4] = 2
        try Data(bytes).write(to: url)
        let v2 = try GGUFFile(contentsOf: url)
        let tiny = try v2.tensor(named: "tiny")
        #expect(v2.version == 2 && v2.metadata == file.metadata && ggufFloats(tiny) == [0, 1, 2, 3, 4, 5])
        for version: UInt32 in [1, 4, 0x0300_0000] {
            withUnsafeBytes(of: version.littleEndian) { for i in 0..<4 { bytes[4 + i] = $0[i] } }
            try Data(bytes).write(to: url)
            #expect(throws: GGUFError.unsupportedVersion(file: url.path, version: version)) { try GGUFFile(contentsOf: url) }
        }
    }
}
