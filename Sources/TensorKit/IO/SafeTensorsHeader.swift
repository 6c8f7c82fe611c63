extension SafeTensors {
    /// What the header says about one tensor: its name, dtype, shape and where its bytes are.
    public struct TensorInfo: Equatable, Sendable {
        /// The key in the header.
        public let name: String
        /// The safetensors dtype code as written in the file (`"F32"`, `"BF16"`, `"U8"`, ...).
        public let format: String
        /// The matching TensorKit dtype, or nil when TensorKit has none (`U8`, `I8`, ...): such a
        /// tensor is listed but requesting it throws ``SafeTensorsError/unsupportedDType(file:tensor:dtype:)``.
        public let dtype: DType?
        /// Extent of each axis.
        public let shape: [Int]
        /// Byte range inside the data section (the file offset is the header end plus this).
        public let dataOffsets: Range<Int>
    }
}

/// The safetensors dtype codes, their element widths, and the TensorKit dtype each maps to.
///
/// `U8` (and the other integer widths TensorKit lacks) are *not* widened to `int32`: a silent
/// conversion would change the dtype on a load/save round trip and double or quadruple memory.
/// They are parsed and validated like any other entry and refused, with a typed error, only
/// when that tensor is requested, so the rest of a file still loads with ``SafeTensorsFile``.
enum SafeTensorsFormat {
    /// Bits per element and TensorKit dtype for every code the format defines.
    static let codes: [String: (bits: Int, dtype: DType?)] = [
        "BOOL": (8, .bool), "U8": (8, nil), "I8": (8, nil),
        "F8_E5M2": (8, nil), "F8_E4M3": (8, nil), "F8_E8M0": (8, nil),
        "F4": (4, nil), "F6_E2M3": (6, nil), "F6_E3M2": (6, nil),
        "I16": (16, nil), "U16": (16, nil), "F16": (16, .float16), "BF16": (16, .bfloat16),
        "I32": (32, .int32), "U32": (32, nil), "F32": (32, .float32),
        "I64": (64, .int64), "U64": (64, nil), "F64": (64, .float64), "C64": (64, nil),
    ]

    /// The code a TensorKit dtype is written as.
    static func code(for dtype: DType) -> String {
        switch dtype {
        case .float32: return "F32"
        case .float64: return "F64"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .int32: return "I32"
        case .int64: return "I64"
        case .bool: return "BOOL"
        }
    }
}

/// A parsed and fully validated header: every entry's shape matches its byte span, and the
/// entries tile the data section exactly (no overlap, no gap, nothing left over), as the
/// reference implementation requires.
struct SafeTensorsHeader {
    /// Entries ordered by where their bytes start.
    let entries: [SafeTensors.TensorInfo]
    /// The `__metadata__` map, nil when the file has none.
    let metadata: [String: String]?
    /// File offset of the data section (8 + header length).
    let dataStart: Int

    /// Same limit as the reference implementation, so a corrupt length cannot make us allocate
    /// gigabytes before failing.
    static let maximumHeaderLength = 100_000_000

    /// Reads the header length from the first 8 bytes and checks it against the file size.
    static func headerLength(prefix: UnsafeRawBufferPointer, fileSize: Int, file: String) throws(SafeTensorsError) -> Int {
        guard fileSize >= 8, prefix.count >= 8 else { throw .fileTooShort(file: file, byteCount: fileSize) }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(prefix[i]) }
        if length > UInt64(maximumHeaderLength) {
            throw .headerTooLarge(file: file, headerLength: length, limit: maximumHeaderLength)
        }
        if length > UInt64(fileSize - 8) {
            throw .headerBeyondFile(file: file, headerLength: length, fileSize: fileSize)
        }
        return Int(length)
    }

    /// Parses and validates the JSON header of a file whose data section holds `dataByteCount` bytes.
    init(json: UnsafeRawBufferPointer, dataStart: Int, dataByteCount: Int, file: String) throws(SafeTensorsError) {
        let root: HeaderJSON
        do {
            root = try HeaderJSON.parse(json)
        } catch {
            throw .invalidHeader(file: file, reason: "not valid JSON at byte \(error.offset) of the header: \(error.message)")
        }
        guard case let .object(members) = root else {
            throw .invalidHeader(file: file, reason: "expected a JSON object, found \(root.kindName)")
        }
        var entries: [SafeTensors.TensorInfo] = []
        var seen = Set<String>()
        var metadata: [String: String]?
        for (name, value) in members {
            if name == "__metadata__" {
                if metadata != nil { throw .invalidMetadata(file: file, key: nil, reason: "appears more than once") }
                metadata = try Self.metadata(value, file: file)
                continue
            }
            guard seen.insert(name).inserted else { throw .duplicateTensorName(file: file, tensor: name) }
            entries.append(try Self.entry(name: name, value: value, file: file))
        }
        entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        var cursor = 0
        var previous: String?
        for entry in entries {
            let range = entry.dataOffsets
            if range.upperBound > dataByteCount {
                throw .misplacedData(file: file, tensor: entry.name,
                                     reason: "data_offsets [\(range.lowerBound), \(range.upperBound)] run past the data section (\(dataByteCount) bytes)")
            }
            if range.lowerBound < cursor {
                throw .misplacedData(file: file, tensor: entry.name,
                                     reason: "data_offsets [\(range.lowerBound), \(range.upperBound)] overlap tensor '\(previous ?? "")', which ends at \(cursor)")
            }
            if range.lowerBound > cursor {
                let after = previous.map { "after tensor '\($0)' " } ?? "at the start of the data section "
                throw .misplacedData(file: file, tensor: entry.name,
                                     reason: "data_offsets begin at \(range.lowerBound), leaving \(range.lowerBound - cursor) unused bytes \(after)(at \(cursor))")
            }
            cursor = range.upperBound
            previous = entry.name
        }
        if cursor != dataByteCount { throw .trailingData(file: file, dataBytes: dataByteCount, usedBytes: cursor) }
        self.entries = entries
        self.metadata = metadata
        self.dataStart = dataStart
    }

    private static func metadata(_ value: HeaderJSON, file: String) throws(SafeTensorsError) -> [String: String] {
        guard case let .object(members) = value else {
            throw .invalidMetadata(file: file, key: nil, reason: "expected an object of strings, found \(value.kindName)")
        }
        var result: [String: String] = [:]
        for (key, item) in members {
            guard case let .string(text) = item else {
                throw .invalidMetadata(file: file, key: key, reason: "value must be a string, found \(item.kindName)")
            }
            guard result.updateValue(text, forKey: key) == nil else {
                throw .invalidMetadata(file: file, key: key, reason: "appears more than once")
            }
        }
        return result
    }

    private static func entry(name: String, value: HeaderJSON, file: String) throws(SafeTensorsError) -> SafeTensors.TensorInfo {
        guard case let .object(fields) = value else {
            throw .invalidEntry(file: file, tensor: name, reason: "entry must be an object, found \(value.kindName)")
        }
        var byName: [String: HeaderJSON] = [:]
        for (key, field) in fields where byName.updateValue(field, forKey: key) != nil {
            throw .invalidEntry(file: file, tensor: name, reason: "field '\(key)' appears more than once")
        }
        // Unknown fields are ignored, so files from newer writers that add fields still load.
        guard let dtypeField = byName["dtype"] else { throw .invalidEntry(file: file, tensor: name, reason: "missing field 'dtype'") }
        guard let shapeField = byName["shape"] else { throw .invalidEntry(file: file, tensor: name, reason: "missing field 'shape'") }
        guard let offsetsField = byName["data_offsets"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "missing field 'data_offsets'")
        }
        guard case let .string(code) = dtypeField else {
            throw .invalidEntry(file: file, tensor: name, reason: "'dtype' must be a string, found \(dtypeField.kindName)")
        }
        guard let format = SafeTensorsFormat.codes[code] else { throw .unknownDType(file: file, tensor: name, dtype: code) }

        guard case let .array(extents) = shapeField else {
            throw .invalidShape(file: file, tensor: name, reason: "expected an array, found \(shapeField.kindName)")
        }
        var shape: [Int] = []
        var elements = 1
        for extent in extents {
            guard case let .integer(n) = extent, n >= 0 else {
                throw .invalidShape(file: file, tensor: name, reason: "extents must be non-negative integers, found \(Self.describe(extent))")
            }
            shape.append(n)
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            if overflow { throw .invalidShape(file: file, tensor: name, reason: "element count of \(Self.describe(shapeField)) overflows") }
            elements = product
        }

        guard case let .array(pair) = offsetsField, pair.count == 2,
              case let .integer(begin) = pair[0], case let .integer(end) = pair[1] else {
            throw .invalidDataOffsets(file: file, tensor: name, reason: "expected [begin, end] integers, found \(Self.describe(offsetsField))")
        }
        guard begin >= 0, end >= begin else {
            throw .invalidDataOffsets(file: file, tensor: name, reason: "[\(begin), \(end)] is not a range with 0 <= begin <= end")
        }

        let (bits, overflow) = elements.multipliedReportingOverflow(by: format.bits)
        if overflow || bits % 8 != 0 {
            throw .invalidShape(file: file, tensor: name, reason: "\(shape) of \(code) is not a whole number of bytes that fits in memory")
        }
        if bits / 8 != end - begin {
            throw .byteCountMismatch(file: file, tensor: name, dtype: code, shape: shape, expected: bits / 8, actual: end - begin)
        }
        return SafeTensors.TensorInfo(name: name, format: code, dtype: format.dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func describe(_ value: HeaderJSON) -> String {
        switch value {
        case let .integer(n): return String(n)
        case let .number(x): return String(x)
        case let .string(s): return "\"\(s)\""
        case let .array(items): return "[" + items.map(describe).joined(separator: ", ") + "]"
        default: return value.kindName
        }
    }

    // MARK: - Writing

    /// The 8-byte length and the JSON header for `entries`, keys sorted (byte order of their UTF-8)
    /// after `__metadata__`, padded with spaces to a multiple of 8 bytes as the reference writer
    /// does, so the data section (and every tensor, largest elements first) stays aligned.
    static func encode(entries: [SafeTensors.TensorInfo], metadata: [String: String]?) -> [UInt8] {
        var json = "{"
        var first = true
        func separator() { if !first { json += "," }; first = false }
        if let metadata {
            separator()
            json += "\"__metadata__\":{"
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            json += keys.map { "\(quoted($0)):\(quoted(metadata[$0]!))" }.joined(separator: ",")
            json += "}"
        }
        for entry in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            separator()
            json += "\(quoted(entry.name)):{\"dtype\":\"\(entry.format)\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],"
            json += "\"data_offsets\":[\(entry.dataOffsets.lowerBound),\(entry.dataOffsets.upperBound)]}"
        }
        json += "}"
        var header = Array(json.utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count)
        let length = UInt64(header.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes.append(contentsOf: header)
        return bytes
    }

    /// A JSON string literal for `text`.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
