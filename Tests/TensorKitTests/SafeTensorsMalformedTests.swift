import Foundation
import Testing
@testable import TensorKit

/// A safetensors file with `header` as its JSON (length prefix computed unless given) and `data`.
private func fileBytes(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    let length = headerLength ?? UInt64(json.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + json + data
}

/// Writes `bytes` to a scratch file and expects loading it, mapped and not, to throw exactly
/// the error `expected` builds from the file's path.
private func expectLoadError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
                             _ expected: (String) -> SafeTensorsError) throws {
    let folder = try IOScratchFolder()
    defer { folder.cleanup() }
    let url = folder.file("bad.safetensors")
    try Data(bytes).write(to: url)
    for mapped in [false, true] {
        #expect(throws: expected(url.path), "mapped: \(mapped)", sourceLocation: sourceLocation) {
            _ = try SafeTensors.load(contentsOf: url, mapped: mapped)
        }
    }
}

/// Expects the error to be `invalidHeader` for that file (the reason text is the parser's).
private func expectInvalidHeader(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let folder = try IOScratchFolder()
    defer { folder.cleanup() }
    let url = folder.file("bad.safetensors")
    try Data(bytes).write(to: url)
    for mapped in [false, true] {
        #expect(sourceLocation: sourceLocation) { _ = try SafeTensors.load(contentsOf: url, mapped: mapped) } throws: { error in
            guard case let .invalidHeader(file, _) = error as? SafeTensorsError else { return false }
            return file == url.path && "\(error)".hasPrefix(url.path + ": invalid header")
        }
    }
}

private let f32Pair = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

@Suite struct SafeTensorsMalformedTests {
    @Test func fileShorterThanEightBytes() throws {
        try expectLoadError([1, 0, 0, 0, 0]) { .fileTooShort(file: $0, byteCount: 5) }
        try expectLoadError([]) { .fileTooShort(file: $0, byteCount: 0) }
    }

    @Test func headerLengthBeyondTheFile() throws {
        try expectLoadError(fileBytes("{}", headerLength: 100)) { .headerBeyondFile(file: $0, headerLength: 100, fileSize: 10) }
    }

    @Test func headerLengthAboveTheLimit() throws {
        try expectLoadError(fileBytes("{}", headerLength: UInt64.max)) {
            .headerTooLarge(file: $0, headerLength: .max, limit: 100_000_000)
        }
    }

    @Test func headerNotJSON() throws {
        try expectInvalidHeader(fileBytes("{\"a\": "))
        try expectInvalidHeader(fileBytes("not json"))
        try expectInvalidHeader(fileBytes("{}\0\0\0\0\0\0"))
    }

    @Test func headerNotUTF8() throws {
        let json: [UInt8] = Array(#"{""#.utf8) + [0xFF, 0xFE] + Array(#"":{}}"#.utf8)
        try expectInvalidHeader([UInt8(json.count), 0, 0, 0, 0, 0, 0, 0] + json)
    }

    @Test func headerNotAnObject() throws {
        try expectLoadError(fileBytes("[1, 2]")) { .invalidHeader(file: $0, reason: "expected a JSON object, found an array") }
    }

    @Test func deeplyNestedHeaderDoesNotCrash() throws {
        try expectInvalidHeader(fileBytes("{\"a\":" + String(repeating: "[", count: 200_000)))
    }

    @Test func entryNotAnObject() throws {
        try expectLoadError(fileBytes(#"{"a":[1,2]}"#)) { .invalidEntry(file: $0, tensor: "a", reason: "entry must be an object, found an array") }
    }

    @Test func entryMissingAField() throws {
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[2]}}"#)) {
            .invalidEntry(file: $0, tensor: "a", reason: "missing field 'data_offsets'")
        }
    }

    @Test func entryWithARepeatedField() throws {
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8))) {
            .invalidEntry(file: $0, tensor: "a", reason: "field 'dtype' appears more than once")
        }
    }

    @Test func unknownDType() throws {
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8))) {
            .unknownDType(file: $0, tensor: "a", dtype: "F99")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":3,"shape":[2],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8))) {
            .invalidEntry(file: $0, tensor: "a", reason: "'dtype' must be a string, found a number")
        }
    }

    @Test func unsupportedDTypeIsRefusedOnlyForThatTensor() throws {
        let bytes = fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}"#,
                              data: [0, 0, 128, 63, 0, 0, 0, 64, 1, 2, 3])
        try expectLoadError(bytes) { .unsupportedDType(file: $0, tensor: "u", dtype: "U8") }
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("u8.safetensors")
        try Data(bytes).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.info(named: "u") == SafeTensors.TensorInfo(name: "u", format: "U8", dtype: nil, shape: [3], dataOffsets: 8..<11))
        #expect(try file.tensor(named: "a").scalars(as: Float.self) == [1, 2])
        #expect(throws: SafeTensorsError.tensorNotFound(file: url.path, tensor: "zz")) { try file.tensor(named: "zz") }
    }

    @Test func shapeNotNonNegativeIntegers() throws {
        let data = [UInt8](repeating: 0, count: 8)
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: data)) {
            .invalidShape(file: $0, tensor: "a", reason: "extents must be non-negative integers, found -2")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: data)) {
            .invalidShape(file: $0, tensor: "a", reason: "extents must be non-negative integers, found 2.0")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, data: data)) {
            .invalidShape(file: $0, tensor: "a", reason: "expected an array, found a string")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: data)) {
            .invalidShape(file: $0, tensor: "a", reason: "element count of [4294967296, 4294967296] overflows")
        }
    }

    @Test func dataOffsetsMalformed() throws {
        let data = [UInt8](repeating: 0, count: 8)
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, data: data)) {
            .invalidDataOffsets(file: $0, tensor: "a", reason: "expected [begin, end] integers, found [0, 4, 8]")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":["0",8]}}"#, data: data)) {
            .invalidDataOffsets(file: $0, tensor: "a", reason: "expected [begin, end] integers, found [\"0\", 8]")
        }
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: data)) {
            .invalidDataOffsets(file: $0, tensor: "a", reason: "[8, 0] is not a range with 0 <= begin <= end")
        }
    }

    @Test func dataOverlappingAnotherTensor() throws {
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                      data: .init(repeating: 0, count: 12))) {
            .misplacedData(file: $0, tensor: "b", reason: "data_offsets [4, 12] overlap tensor 'a', which ends at 8")
        }
    }

    @Test func dataLeavingAGap() throws {
        try expectLoadError(fileBytes(#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                                      data: .init(repeating: 0, count: 12))) {
            .misplacedData(file: $0, tensor: "b", reason: "data_offsets begin at 8, leaving 4 unused bytes after tensor 'a' (at 4)")
        }
    }

    @Test func dataOutsideTheDataSection() throws {
        try expectLoadError(fileBytes("{\(f32Pair)}", data: .init(repeating: 0, count: 6))) {
            .misplacedData(file: $0, tensor: "a", reason: "data_offsets [0, 8] run past the data section (6 bytes)")
        }
    }

    @Test func dataSectionLongerThanTheTensors() throws {
        try expectLoadError(fileBytes("{\(f32Pair)}", data: .init(repeating: 0, count: 9))) {
            .trailingData(file: $0, dataBytes: 9, usedBytes: 8)
        }
    }

    @Test func shapeTimesDTypeSizeDiffersFromTheSpan() throws {
        try expectLoadError(fileBytes(#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8))) {
            .byteCountMismatch(file: $0, tensor: "a", dtype: "F64", shape: [2], expected: 16, actual: 8)
        }
    }

    @Test func duplicateTensorNames() throws {
        try expectLoadError(fileBytes("{\(f32Pair),\(f32Pair)}", data: .init(repeating: 0, count: 8))) {
            .duplicateTensorName(file: $0, tensor: "a")
        }
    }

    @Test func metadataNotStrings() throws {
        let data = [UInt8](repeating: 0, count: 8)
        try expectLoadError(fileBytes(#"{"__metadata__":{"epoch":3},"# + f32Pair + "}", data: data)) {
            .invalidMetadata(file: $0, key: "epoch", reason: "value must be a string, found a number")
        }
        try expectLoadError(fileBytes(#"{"__metadata__":["x"],"# + f32Pair + "}", data: data)) {
            .invalidMetadata(file: $0, key: nil, reason: "expected an object of strings, found an array")
        }
        try expectLoadError(fileBytes(#"{"__metadata__":{"k":"1","k":"2"},"# + f32Pair + "}", data: data)) {
            .invalidMetadata(file: $0, key: "k", reason: "appears more than once")
        }
    }

    @Test func boolBytesOtherThanZeroOrOne() throws {
        try expectLoadError(fileBytes(#"{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}"#, data: [1, 0, 2])) {
            .invalidBoolValue(file: $0, tensor: "m", index: 2, byte: 2)
        }
    }

    @Test func missingFileAndDirectoryThrowCannotOpen() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        #expect { _ = try SafeTensors.load(contentsOf: folder.file("absent.safetensors")) } throws: { error in
            guard case .cannotOpen = error as? SafeTensorsError else { return false }
            return "\(error)".contains("absent.safetensors")
        }
        #expect(throws: SafeTensorsError.cannotOpen(file: folder.url.path, reason: "not a regular file")) {
            _ = try SafeTensors.load(contentsOf: folder.url)
        }
    }

    @Test func errorMessagesNameTheFileAndTensor() {
        let error = SafeTensorsError.byteCountMismatch(file: "/m/model.safetensors", tensor: "wte.weight", dtype: "F32",
                                                       shape: [4, 2], expected: 32, actual: 16)
        #expect(error.description == "/m/model.safetensors: tensor 'wte.weight': shape [4, 2] of F32 needs 32 bytes, data_offsets span 16")
    }
}
