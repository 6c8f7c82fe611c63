/// What a GGUF file says about one tensor: name, encoding, shape and where its bytes are.
///
/// GGUF lists dimensions fastest-varying first (ggml's `ne[0]` is the row length);
/// ``shape`` is the reverse, outermost first, as TensorKit and PyTorch write shapes. A
/// `[576, 49152]` token embedding in the file is ``shape`` `[49152, 576]`: 49152 rows of 576.
public struct GGUFTensorInfo: Equatable, Sendable {
    /// The tensor's name (`"blk.0.attn_q.weight"`).
    public let name: String
    /// How the values are encoded.
    public let type: GGMLType
    /// Dimensions as stored in the file, fastest-varying first.
    public let dimensions: [Int]
    /// Byte offset of the first block, from the start of the data section.
    public let offset: Int
    /// Bytes the tensor occupies.
    public let byteCount: Int

    /// Extent of each axis, outermost first (the reverse of ``dimensions``).
    public var shape: [Int] { dimensions.reversed() }
    /// Number of values.
    public var elementCount: Int { dimensions.reduce(1, *) }
}
