/// A parsed and validated GGUF header: magic, version, metadata, tensor infos, and where the
/// data section starts.
///
/// Layout (all little-endian): `"GGUF"`, `UInt32` version, `UInt64` tensor count, `UInt64`
/// metadata count, the metadata pairs (string key, `UInt32` type, value), the tensor infos
/// (string name, `UInt32` dimension count, `UInt64` dimensions, `UInt32` type, `UInt64`
/// offset), padding to `general.alignment` (default 32), then the tensor data. Strings are a
/// `UInt64` byte count and UTF-8 bytes; arrays are a `UInt32` element type, a `UInt64` count
/// and the elements.
///
/// Validation: every count is checked against the bytes left before it sizes anything; each
/// tensor has at most 4 dimensions whose product does not overflow, a whole number of blocks
/// per row, an aligned offset, and bytes inside the file that overlap no other tensor.
struct GGUFHeader {
    let version: UInt32
    let metadata: GGUFMetadata
    /// Tensor infos in file order.
    let tensors: [GGUFTensorInfo]
    let alignment: Int
    /// File offset of the data section.
    let dataStart: Int

    static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian UInt32
    static let defaultAlignment = 32
    /// ggml's GGML_MAX_DIMS.
    static let maximumDimensions = 4
    /// Nested arrays are parsed recursively; this bounds the recursion on hostile input.
    static let maximumArrayDepth = 32

    init(bytes: UnsafeRawBufferPointer, file: String) throws(GGUFError) {
        var reader = GGUFByteReader(bytes: bytes, file: file)
        guard try reader.read(UInt32.self, "the magic") == Self.magic else { throw .notGGUF(file: file) }
        version = try reader.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(file: file, version: version) }
        let tensorCount = try reader.read(UInt64.self, "the tensor count")
        let pairCount = try reader.read(UInt64.self, "the metadata count")

        // The smallest pair: an empty key (8), a type (4), a one-byte value.
        let pairs = try reader.checkedCount(pairCount, minimumBytesEach: 13, context: "the metadata count")
        var metadata = GGUFMetadata(file: file)
        for index in 0..<pairs {
            let key = try reader.readString("metadata pair \(index)'s key")
            let code = try reader.read(UInt32.self, "metadata key '\(key)'")
            let value = try Self.readValue(code: code, key: key, depth: 0, reader: &reader)
            guard metadata[key] == nil else { throw .duplicateKey(file: file, key: key) }
            metadata[key] = value
        }
        self.metadata = metadata
        alignment = try Self.alignment(metadata, file: file)

        // The smallest info: an empty name (8), no dimensions (4), a type (4), an offset (8).
        let count = try reader.checkedCount(tensorCount, minimumBytesEach: 24, context: "the tensor count")
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(count)
        var names = Set<String>()
        for index in 0..<count {
            let info = try Self.readTensorInfo(index: index, alignment: alignment, reader: &reader)
            guard names.insert(info.name).inserted else { throw .duplicateTensorName(file: file, tensor: info.name) }
            tensors.append(info)
        }
        self.tensors = tensors
        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        dataStart = overflow ? Int.max : padded / alignment * alignment
        try Self.checkPlacement(tensors, dataBytes: bytes.count - Swift.min(dataStart, bytes.count), file: file)
    }

    private static func alignment(_ metadata: GGUFMetadata, file: String) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard case let .uint32(alignment) = value, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(file: file, value: "\(value) (\(GGUFMetadata.describeType(value)))")
        }
        return Int(alignment)
    }

    // MARK: - Values

    private static func readValue(code: UInt32, key: String, depth: Int,
                                  reader: inout GGUFByteReader) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: code) else { throw .unknownValueType(file: reader.file, key: key, code: code) }
        // Contexts are built only when an error needs them: arrays of 50k tokens read here.
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, "metadata key '\(key)'"))
        case .int8: return .int8(try reader.read(Int8.self, "metadata key '\(key)'"))
        case .uint16: return .uint16(try reader.read(UInt16.self, "metadata key '\(key)'"))
        case .int16: return .int16(try reader.read(Int16.self, "metadata key '\(key)'"))
        case .uint32: return .uint32(try reader.read(UInt32.self, "metadata key '\(key)'"))
        case .int32: return .int32(try reader.read(Int32.self, "metadata key '\(key)'"))
        case .uint64: return .uint64(try reader.read(UInt64.self, "metadata key '\(key)'"))
        case .int64: return .int64(try reader.read(Int64.self, "metadata key '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try reader.read(UInt32.self, "metadata key '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, "metadata key '\(key)'")))
        case .bool:
            let byte = try reader.read(UInt8.self, "metadata key '\(key)'")
            guard byte <= 1 else { throw .invalidBool(file: reader.file, key: key, byte: byte) }
            return .bool(byte == 1)
        case .string:
            return .string(try reader.readString("metadata key '\(key)'"))
        case .array:
            guard depth < maximumArrayDepth else {
                throw .arrayNestingTooDeep(file: reader.file, key: key, limit: maximumArrayDepth)
            }
            let elementCode = try reader.read(UInt32.self, "metadata key '\(key)'")
            guard let elementType = GGUFValueType(rawValue: elementCode) else {
                throw .unknownValueType(file: reader.file, key: key, code: elementCode)
            }
            let rawCount = try reader.read(UInt64.self, "metadata key '\(key)'")
            let count = try reader.checkedCount(rawCount, minimumBytesEach: minimumSize(of: elementType),
                                                context: "metadata key '\(key)': array of \(elementType)")
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(try readValue(code: elementCode, key: key, depth: depth + 1, reader: &reader))
            }
            return .array(elementType: elementType, values: values)
        }
    }

    /// The fewest bytes one value of `type` occupies (a string's length, an array's type and count).
    static func minimumSize(of type: GGUFValueType) -> Int {
        switch type {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    // MARK: - Tensor infos

    private static func readTensorInfo(index: Int, alignment: Int,
                                       reader: inout GGUFByteReader) throws(GGUFError) -> GGUFTensorInfo {
        let file = reader.file
        let name = try reader.readString("tensor \(index)'s name")
        let context = "tensor '\(name)'"
        let dimensionCount = try reader.read(UInt32.self, context)
        guard dimensionCount <= UInt32(maximumDimensions) else {
            throw .invalidShape(file: file, tensor: name, reason: "\(dimensionCount) dimensions, at most \(maximumDimensions) allowed")
        }
        var dimensions: [Int] = []
        var elements = 1
        for _ in 0..<Int(dimensionCount) {
            let extent = try reader.read(UInt64.self, context)
            guard let value = Int(exactly: extent) else {
                throw .invalidShape(file: file, tensor: name, reason: "extent \(extent) is too large")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: value)
            guard !overflow else {
                throw .invalidShape(file: file, tensor: name, reason: "element count of \(dimensions + [value]) overflows")
            }
            dimensions.append(value)
            elements = product
        }
        let code = try reader.read(UInt32.self, context)
        guard let type = GGMLType(rawValue: code) else { throw .unknownTensorType(file: file, tensor: name, code: code) }
        let rawOffset = try reader.read(UInt64.self, context)

        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw .invalidShape(file: file, tensor: name,
                                reason: "row length \(rowLength) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        }
        guard let rowBytes = type.byteCount(forValues: rowLength) else {
            throw .invalidShape(file: file, tensor: name, reason: "\(dimensions) of \(type.name) needs more bytes than fit in memory")
        }
        let rows = rowLength == 0 ? 0 : elements / rowLength
        let (byteCount, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else {
            throw .invalidShape(file: file, tensor: name, reason: "\(dimensions) of \(type.name) needs more bytes than fit in memory")
        }
        guard let offset = Int(exactly: rawOffset) else {
            throw .misplacedData(file: file, tensor: name, reason: "offset \(rawOffset) runs past the end of the file")
        }
        guard offset % alignment == 0 else {
            throw .misplacedData(file: file, tensor: name, reason: "offset \(rawOffset) is not a multiple of the alignment \(alignment)")
        }
        return GGUFTensorInfo(name: name, type: type, dimensions: dimensions, offset: offset, byteCount: byteCount)
    }

    /// Every tensor inside the `dataBytes` of the data section, none overlapping another.
    private static func checkPlacement(_ tensors: [GGUFTensorInfo], dataBytes: Int, file: String) throws(GGUFError) {
        var previous: GGUFTensorInfo?
        for info in tensors.sorted(by: { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }) {
            if info.byteCount > dataBytes || info.offset > dataBytes - info.byteCount {
                throw .misplacedData(file: file, tensor: info.name,
                                     reason: "\(info.byteCount) bytes at offset \(info.offset) run past the data section (\(dataBytes) bytes)")
            }
            if let previous, info.byteCount > 0, previous.offset + previous.byteCount > info.offset {
                throw .misplacedData(file: file, tensor: info.name,
                                     reason: "bytes at offset \(info.offset) overlap tensor '\(previous.name)' (offset \(previous.offset), \(previous.byteCount) bytes)")
            }
            if info.byteCount > 0 { previous = info }
        }
    }
}
