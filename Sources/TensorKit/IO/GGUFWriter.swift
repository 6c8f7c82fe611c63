import Foundation

/// Builds a GGUF file (version 3): metadata pairs and tensors, written atomically.
///
/// Tensors are added as float tensors encoded on the way in (F32, F16, BF16 or Q8_0, the last
/// bit-identical to `gguf.quants.quantize`), or as ``QuantizedTensor``s whose blocks are copied
/// unchanged (so a Q4_1 weight read from one file writes back as the same bytes).
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.metadata["general.architecture"] = .string("llama")
/// writer.metadata["llama.block_count"] = .uint32(30)
/// try writer.add("token_embd.weight", embedding, as: .q8_0)
/// try writer.add("blk.0.attn_q.weight", try source.quantizedTensor(named: "blk.0.attn_q.weight"))
/// try writer.write(to: url)
/// ```
///
/// The layout matches the `gguf` Python package's writer: header, metadata in insertion order,
/// tensor infos in insertion order, data padded to ``alignment`` (each tensor starting on a
/// multiple of it). A `general.alignment` in ``metadata`` sets the alignment; it must be a
/// `.uint32` power of two.
public struct GGUFWriter {
    /// The pairs to write, in order.
    public var metadata = GGUFMetadata()
    private var tensors: [QuantizedTensor] = []
    private var names: [String] = []

    /// An empty file.
    public init() {}

    /// The alignment the data will use: `general.alignment` when set, else 32.
    public var alignment: Int { metadata["general.alignment"]?.int ?? GGUFHeader.defaultAlignment }

    /// Adds `tensor` (a floating-point tensor of any layout), encoded as `type`, which must be
    /// ``GGMLType/isQuantizable`` with a block size dividing the last axis.
    public mutating func add(_ name: String, _ tensor: Tensor, as type: GGMLType = .f32) throws(GGUFError) {
        guard type.isQuantizable else {
            throw .invalidTensor(file: Self.placeholder, tensor: name, reason: "the writer encodes F32, F16, BF16 and Q8_0, not \(type.name)")
        }
        guard [.float32, .float64, .float16, .bfloat16].contains(tensor.dtype) else {
            throw .invalidTensor(file: Self.placeholder, tensor: name, reason: "dtype \(tensor.dtype) is not floating point")
        }
        let rowLength = tensor.shape.last ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw .invalidTensor(file: Self.placeholder, tensor: name,
                                 reason: "row length \(rowLength) of shape \(tensor.shape) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        }
        try add(name, QuantizedTensor(quantizing: tensor, as: type))
    }

    /// Adds `tensor`'s blocks unchanged.
    public mutating func add(_ name: String, _ tensor: QuantizedTensor) throws(GGUFError) {
        guard !names.contains(name) else { throw .invalidTensor(file: Self.placeholder, tensor: name, reason: "the name is already added") }
        guard tensor.shape.count <= GGUFHeader.maximumDimensions else {
            throw .invalidTensor(file: Self.placeholder, tensor: name, reason: "GGUF allows at most 4 dimensions, shape is \(tensor.shape)")
        }
        names.append(name)
        tensors.append(tensor)
    }

    /// Writes the file to `url` through ``AtomicFile`` (a temporary file renamed into place).
    ///
    /// - Throws: ``GGUFError/invalidMetadata(file:key:reason:)`` for a bad `general.alignment`;
    ///   ``AtomicFileError`` when the file system fails.
    public func write(to url: URL, durable: Bool = true) throws {
        let alignment = try checkedAlignment(file: url.path)
        for (key, value) in metadata { try Self.checkArrays(value, key: key, file: url.path) }
        var header = GGUFEncoder()
        header.append(GGUFHeader.magic)
        header.append(UInt32(3))
        header.append(UInt64(tensors.count))
        header.append(UInt64(metadata.count))
        for (key, value) in metadata {
            header.append(key)
            header.append(value.type.rawValue)
            header.append(value)
        }
        var offsets: [Int] = []
        var cursor = 0
        for (name, tensor) in zip(names, tensors) {
            header.append(name)
            header.append(UInt32(tensor.shape.count))
            for extent in tensor.shape.reversed() { header.append(UInt64(extent)) }
            header.append(tensor.type.rawValue)
            header.append(UInt64(cursor))
            offsets.append(cursor)
            cursor += Self.padded(tensor.byteCount, to: alignment)
        }
        header.pad(to: alignment)
        let bytes = header.bytes
        let padding = [UInt8](repeating: 0, count: alignment)
        try AtomicFile.write(to: url, durable: durable) { file in
            try file.write(bytes)
            for tensor in tensors {
                try tensor.withUnsafeBlocks { try file.write(UnsafeRawBufferPointer(start: $0, count: tensor.byteCount)) }
                let pad = Self.padded(tensor.byteCount, to: alignment) - tensor.byteCount
                if pad > 0 { try padding.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<pad])) } }
            }
        }
    }

    private func checkedAlignment(file: String) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return GGUFHeader.defaultAlignment }
        guard case let .uint32(alignment) = value, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .invalidMetadata(file: file, key: "general.alignment", reason: "must be a .uint32 power of two, found \(value)")
        }
        return Int(alignment)
    }

    /// Arrays must hold elements of their declared type only (the format stores the type once).
    private static func checkArrays(_ value: GGUFValue, key: String, file: String) throws(GGUFError) {
        guard case let .array(elementType, values) = value else { return }
        for item in values {
            guard item.type == elementType else {
                throw .invalidMetadata(file: file, key: key, reason: "an array of \(elementType) holds a \(item.type) value (\(item))")
            }
            try checkArrays(item, key: key, file: file)
        }
    }

    /// The file name in errors raised before a destination is known.
    private static let placeholder = "GGUFWriter"

    private static func padded(_ count: Int, to alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }
}

/// Little-endian serialisation of header fields and metadata values.
private struct GGUFEncoder {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) {
        append(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ value: GGUFValue) {
        switch value {
        case let .uint8(v): append(v)
        case let .int8(v): append(v)
        case let .uint16(v): append(v)
        case let .int16(v): append(v)
        case let .uint32(v): append(v)
        case let .int32(v): append(v)
        case let .uint64(v): append(v)
        case let .int64(v): append(v)
        case let .float32(v): append(v.bitPattern)
        case let .float64(v): append(v.bitPattern)
        case let .bool(v): append(UInt8(v ? 1 : 0))
        case let .string(v): append(v)
        case let .array(elementType, values):
            append(elementType.rawValue)
            append(UInt64(values.count))
            for item in values { append(item) }  // element types were checked by GGUFWriter.write
        }
    }

    mutating func pad(to alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment))
    }
}
