/// A row-major tensor whose values stay encoded in a ``GGMLType`` (a quantization such as Q4_1 or
/// Q8_0, or a plain F32/F16/BF16 layout), as they are in a GGUF file.
///
/// The last axis is the row: each row is `rowLength / type.blockSize` whole blocks, rows follow
/// each other without padding. A quantized weight costs its block bytes (Q4_1: 5 bits per value)
/// instead of 32 bits, and is decoded a few rows at a time where it is used:
///
/// ```swift
/// let weight = try gguf.quantizedTensor(named: "blk.0.attn_q.weight")   // [576, 576] Q4_1
/// let tile = UnsafeMutablePointer<Float>.allocate(capacity: 64 * weight.rowLength)
/// weight.dequantizeRows(0..<64, into: tile)
/// ```
///
/// The bytes live in a ``Storage`` (a view of the GGUF file's memory map, or memory of their own),
/// which the value keeps alive.
public struct QuantizedTensor {
    /// How the values are encoded.
    public let type: GGMLType
    /// Extent of each axis, outermost first (the reverse of GGUF's dimension order).
    public let shape: [Int]
    /// The memory holding the blocks.
    public let storage: Storage
    /// Where the first row starts inside ``storage``.
    public let byteOffset: Int

    /// Values per row (the last axis; 1 for a scalar).
    public var rowLength: Int { shape.last ?? 1 }
    /// Number of rows (the product of the other axes).
    public var rowCount: Int { shape.dropLast().reduce(1, *) }
    /// Bytes per row.
    public var rowByteCount: Int { rowLength / type.blockSize * type.blockByteCount }
    /// Bytes of the whole tensor.
    public var byteCount: Int { rowCount * rowByteCount }

    /// Views `shape` values of `type` stored at `byteOffset` in `storage`. The row length must be
    /// a whole number of blocks and the bytes must lie inside the storage.
    public init(type: GGMLType, shape: [Int], storage: Storage, byteOffset: Int = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "QuantizedTensor: negative extent in shape \(shape)")
        precondition((shape.last ?? 1) % type.blockSize == 0,
                     "QuantizedTensor: row length \(shape.last ?? 1) of shape \(shape) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        self.type = type
        self.shape = shape
        self.storage = storage
        self.byteOffset = byteOffset
        precondition(byteOffset >= 0 && byteOffset + byteCount <= storage.byteCount,
                     "QuantizedTensor: \(byteCount) bytes of \(type.name) \(shape) at offset \(byteOffset) exceed the storage's \(storage.byteCount) bytes")
    }

    /// Encodes a floating-point tensor (any layout) as `type`, which must be ``GGMLType/isQuantizable``
    /// and whose block size must divide the last axis.
    public init(quantizing tensor: Tensor, as type: GGMLType) {
        precondition(type.isQuantizable, "QuantizedTensor(quantizing:as:): \(type.name) cannot be written (see GGMLType.isQuantizable)")
        precondition(tensor.dtype.isFloatingPoint || tensor.dtype == .float16 || tensor.dtype == .bfloat16,
                     "QuantizedTensor(quantizing:as:): dtype \(tensor.dtype) of shape \(tensor.shape) is not floating point")
        let source = tensor.dtype == .float32 && tensor.isContiguous ? tensor : tensor.cast(to: .float32).contiguous()
        let rowLength = tensor.shape.last ?? 1
        precondition(rowLength % type.blockSize == 0,
                     "QuantizedTensor(quantizing:as:): row length \(rowLength) of shape \(tensor.shape) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        let count = source.count
        let storage = Storage(byteCount: count / type.blockSize * type.blockByteCount)
        let values = (source.storage.pointer + source.layout.offset * 4).assumingMemoryBound(to: Float.self)
        type.quantize(values, count: count, into: storage.pointer)
        self.init(type: type, shape: tensor.shape, storage: storage)
    }

    /// Calls `body` with the address of the first block; valid only during the call.
    public func withUnsafeBlocks<R>(_ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeRawPointer(storage.pointer + byteOffset)) }
    }

    /// Decodes rows `rows` into `rows.count × rowLength` floats at `destination`
    /// (bit-identical to `gguf.quants.dequantize`).
    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount,
                     "QuantizedTensor.dequantizeRows: rows \(rows) outside 0..<\(rowCount) of \(type.name) \(shape)")
        withUnsafeBlocks { type.dequantizeRows(rows, rowLength: rowLength, of: $0, into: destination) }
    }

    /// The values as a new contiguous float32 tensor of the same shape (rows decoded in parallel).
    public func dequantized() -> Tensor {
        precondition(type.isDequantizable, "QuantizedTensor.dequantized: \(type.name) cannot be dequantized")
        let result = Tensor(storage: Storage(byteCount: rowCount * rowLength * 4), layout: Layout(shape: shape), dtype: .float32)
        let output = result.storage.pointer.assumingMemoryBound(to: Float.self)
        let rowLength = rowLength
        Parallel.forRanges(rowCount, costPerItem: rowLength) { rows in
            dequantizeRows(rows, into: output + rows.lowerBound * rowLength)
        }
        return result
    }
}

@available(*, unavailable, message: "QuantizedTensor shares its Storage, which is not Sendable")
extension QuantizedTensor: Sendable {}
