import Foundation
import Testing
@testable import TensorKit

/// A fresh empty folder under the system temporary directory, removed by `cleanup`.
struct IOScratchFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The bytes of a tensor's elements in row-major order.
func ioElementBytes(_ tensor: Tensor) -> [UInt8] {
    let source = tensor.isContiguous ? tensor : tensor.contiguousCopy()
    let size = source.dtype.byteSize
    return Array(UnsafeRawBufferPointer(start: source.storage.pointer + source.layout.offset * size, count: source.count * size))
}

/// A tensor of `dtype` filled with arbitrary bit patterns (NaN payloads included); bools get 0/1.
private func patternTensor(_ shape: [Int], dtype: DType, seed: UInt64) -> Tensor {
    let tensor = Tensor(uninitializedShape: shape, dtype: dtype)
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    let bytes = tensor.storage.pointer.assumingMemoryBound(to: UInt8.self)
    for i in 0..<(tensor.count * dtype.byteSize) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let byte = UInt8(truncatingIfNeeded: state >> 33)
        bytes[i] = dtype == .bool ? byte & 1 : byte
    }
    return tensor
}

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsEveryDTypeBitIdenticalAndMetadata() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        var tensors: [String: Tensor] = [:]
        for (i, dtype) in DType.allCases.enumerated() {
            tensors["t.\(dtype)"] = patternTensor([3, 5, 2], dtype: dtype, seed: UInt64(i + 1))
            tensors["odd.\(dtype)"] = patternTensor([7], dtype: dtype, seed: UInt64(i + 100))
        }
        tensors["scalar"] = Tensor(scalar: Float(2.5))
        tensors["empty"] = Tensor.zeros([0, 4], dtype: .int64)
        let metadata = ["format": "pt", "quote\"key": "line\nbreak \u{1} ünïcode 🎉"]
        let url = folder.file("all.safetensors")
        try SafeTensors.save(tensors, metadata: metadata, to: url)
        if let export = ProcessInfo.processInfo.environment["SAFETENSORS_EXPORT"] {
            try SafeTensors.save(tensors, metadata: metadata, to: URL(fileURLWithPath: export))
        }
        for mapped in [false, true] {
            let loaded = try SafeTensors.load(contentsOf: url, mapped: mapped)
            #expect(Set(loaded.keys) == Set(tensors.keys))
            for (name, original) in tensors {
                let copy = try #require(loaded[name])
                #expect(copy.dtype == original.dtype, "\(name)")
                #expect(copy.shape == original.shape, "\(name)")
                #expect(ioElementBytes(copy) == ioElementBytes(original), "\(name) mapped: \(mapped)")
            }
        }
        #expect(try SafeTensors.metadata(contentsOf: url) == metadata)
        #expect(try SafeTensorsFile(contentsOf: url).metadata == metadata)
    }

    @Test func nonContiguousTensorsAreSavedInRowMajorOrder() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let base = Tensor((0..<24).map { Double($0) }, shape: [4, 6])
        let tensors: [String: Tensor] = [
            "transposed": base.transposed(),
            "strided": base.slice(axis: 1, 1..<6, step: 2),
            "offset": base.select(axis: 0, index: 2),
            "expanded": Tensor([1, 2, 3] as [Int32]).expand(to: [2, 3]),
            "bools": Tensor([true, false, true, true, false, false], shape: [2, 3]).transposed(),
        ]
        let url = folder.file("views.safetensors")
        try SafeTensors.save(tensors, to: url)
        let loaded = try SafeTensors.load(contentsOf: url)
        for (name, original) in tensors {
            let copy = try #require(loaded[name])
            #expect(copy.shape == original.shape, "\(name)")
            #expect(copy.isContiguous)
            #expect(ioElementBytes(copy) == ioElementBytes(original.contiguous()), "\(name)")
        }
        expectClose(loaded["transposed"]!, [0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23])
        expectClose(loaded["strided"]!, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23])
        expectClose(loaded["offset"]!, [12, 13, 14, 15, 16, 17])
        #expect(loaded["expanded"]!.scalars(as: Int32.self) == [1, 2, 3, 1, 2, 3])
        #expect(loaded["bools"]!.scalars(as: Bool.self) == [true, true, false, false, true, false])
    }

    @Test func writtenHeaderIsSortedPaddedAndAligned() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("layout.safetensors")
        try SafeTensors.save(["b": Tensor([true, false, true]), "a": Tensor([1.5] as [Float]),
                              "c": Tensor([7] as [Int64]), "ab": Tensor([2, 3] as [Double])],
                             metadata: ["k": "v"], to: url)
        let bytes = try [UInt8](Data(contentsOf: url))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(header == """
            {"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},\
            "ab":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"BOOL","shape":[3],"data_offsets":[28,31]},\
            "c":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}}
            """.padding(toLength: length, withPad: " ", startingAt: 0))
        let file = try SafeTensorsFile(contentsOf: url)
        for info in file.tensorInfos { #expect(info.dataOffsets.lowerBound % info.dtype!.byteSize == 0) }
        #expect(file.names == ["a", "ab", "b", "c"])
        #expect(bytes.count == 8 + length + 31)
    }

    @Test func readsFileWrittenByPythonSafetensors() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("safetensors_reference.json"))) as! [String: Any]
        let expectedTensors = expected["tensors"] as! [String: [String: Any]]
        let url = fixtureURL("safetensors_reference.safetensors")
        #expect(try SafeTensors.metadata(contentsOf: url) == expected["metadata"] as! [String: String])
        for mapped in [false, true] {
            let loaded = try SafeTensors.load(contentsOf: url, mapped: mapped)
            #expect(Set(loaded.keys) == Set(expectedTensors.keys))
            for (name, entry) in expectedTensors {
                let tensor = try #require(loaded[name], "\(name)")
                let info = try #require(try SafeTensorsFile(contentsOf: url).info(named: name))
                #expect(info.format == entry["dtype"] as! String)
                #expect(SafeTensorsFormat.code(for: tensor.dtype) == entry["dtype"] as! String, "\(name)")
                #expect(tensor.shape == entry["shape"] as! [Int], "\(name)")
                // Compare every element's bit pattern, so NaN, -0.0 and subnormals count too.
                let size = tensor.dtype.byteSize
                let raw = ioElementBytes(tensor)
                let bits = (0..<tensor.count).map { i in
                    raw[(i * size)..<((i + 1) * size)].reversed().map { String(format: "%02x", $0) }.joined()
                }
                #expect(bits == entry["bits"] as! [String], "\(name)")
                let values = entry["values"] as! [Any]
                let actual = tensor.scalars(as: Double.self)
                for (i, value) in values.enumerated() {
                    guard let number = value as? NSNumber else { continue }
                    if tensor.dtype == .int64 {
                        #expect(tensor.scalars(as: Int64.self)[i] == number.int64Value, "\(name)[\(i)]")
                    } else {
                        // Bits are compared exactly above; Foundation's JSON reader may be off in the last digit.
                        #expect(Swift.abs(actual[i] - number.doubleValue) <= 1e-15 * Swift.abs(number.doubleValue), "\(name)[\(i)]")
                    }
                }
            }
        }
    }

    @Test func mappedTensorsViewTheFileCopyOnWriteAndOutliveIt() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("mapped.safetensors")
        try SafeTensors.save(["w": Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])], to: url)
        let before = try Data(contentsOf: url)
        var file: SafeTensorsFile? = try SafeTensorsFile(contentsOf: url)
        #expect(file!.isMapped)
        let w = try file!.tensor(named: "w")
        let again = try file!.tensor(named: "w")
        // Zero-copy: both tensors view the same mapped bytes, not owned copies.
        #expect(w.storage.pointer == again.storage.pointer)
        file = nil
        w.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 100 }
        #expect(again.scalars(as: Float.self) == [100, 2, 3, 4])
        #expect(try Data(contentsOf: url) == before)
        let unmapped = try SafeTensorsFile(contentsOf: url, mapped: false)
        #expect(try unmapped.tensor(named: "w").scalars(as: Float.self) == [1, 2, 3, 4])
    }

    @Test func unalignedTensorsInAMappedFileAreCopied() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        // A 3-byte header leaves the data section at file offset 11: no F32 can be viewed in place.
        let url = folder.file("unaligned.safetensors")
        let json = Array(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#.utf8)
        let values: [Float] = [1.5, -2]
        let data = values.withUnsafeBytes { Array($0) }
        try Data([UInt8(json.count), 0, 0, 0, 0, 0, 0, 0] + json + data).write(to: url)
        #expect((8 + json.count) % 4 != 0)
        let a = try SafeTensorsFile(contentsOf: url).tensor(named: "a")
        #expect(Int(bitPattern: a.storage.pointer) % 64 == 0)
        #expect(a.scalars(as: Float.self) == values)
    }

    @Test func savingOverTheFileTheTensorsAreMappedFromWorks() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("in-place.safetensors")
        try SafeTensors.save(["w": Tensor([1, 2, 3] as [Float]), "m": Tensor([true, false])], to: url)
        let mapped = try SafeTensors.load(contentsOf: url, mapped: true)
        mapped["w"]!.withUnsafeMutableBufferPointer(as: Float.self) { $0[1] = 20 }
        // The rename leaves the old file's pages alive under the mapping, so this cannot fault.
        try SafeTensors.save(mapped, metadata: ["step": "2"], to: url)
        let reloaded = try SafeTensors.load(contentsOf: url)
        #expect(reloaded["w"]!.scalars(as: Float.self) == [1, 20, 3])
        #expect(reloaded["m"]!.scalars(as: Bool.self) == [true, false])
        #expect(mapped["w"]!.scalars(as: Float.self) == [1, 20, 3])
        #expect(try folder.contents() == ["in-place.safetensors"])
    }

    @Test func namesWithEscapesRoundTrip() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("names.safetensors")
        let names = ["quote\"d", "back\\slash", "tab\tnew\nline", "ünï", "🎉", "", "__metadata"]
        var tensors: [String: Tensor] = [:]
        for (i, name) in names.enumerated() { tensors[name] = Tensor([Float(i)]) }
        try SafeTensors.save(tensors, to: url)
        let loaded = try SafeTensors.load(contentsOf: url)
        for (i, name) in names.enumerated() { #expect(loaded[name]?.scalars(as: Float.self) == [Float(i)], "\(name)") }
        #expect(try SafeTensorsFile(contentsOf: url).metadata == nil)
    }

    @Test func headerJSONParserHandlesEscapesAndNumbers() throws {
        func parse(_ text: String) throws -> HeaderJSON {
            try Array(text.utf8).withUnsafeBytes { try HeaderJSON.parse($0) }
        }
        #expect(try parse(#" {"a\u00e9\ud83c\udf89\/":[0,-12,9223372036854775807,1.5e3,true,null]}  "#)
            == .object([("aé🎉/", .array([.integer(0), .integer(-12), .integer(.max), .number(1500), .bool(true), .null]))]))
        #expect(try parse("[1e400]") == .array([.number(.infinity)]))
        for bad in ["", "{", "{\"a\":1,}", "[01]", "\"\\ud800\"", "\"\u{1}\"", "{} x", "[1.]", "tru", "{'a':1}"] {
            #expect(throws: HeaderJSONError.self, "\(bad)") { try parse(bad) }
        }
        #expect(throws: HeaderJSONError.self) { try parse(String(repeating: "[", count: 100_000)) }
    }
}
