import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An opened GGUF file (llama.cpp's model format): metadata and tensor infos are read and
/// validated up front; tensors are produced on request from a memory map of the file.
///
/// GGUF versions 2 and 3 (little-endian) load. Tensors come out two ways:
/// - ``tensor(named:)``: a float32 ``Tensor``, dequantized (F32 tensors view the mapped pages
///   without copying);
/// - ``quantizedTensor(named:)``: the raw blocks as a ``QuantizedTensor`` viewing the mapping,
///   for layers that keep weights quantized and decode them tile by tile.
///
/// ```swift
/// let gguf = try GGUFFile(contentsOf: url)
/// let width = try gguf.metadata.int("llama.embedding_length")
/// let embedding = try gguf.tensor(named: "token_embd.weight")          // [49152, 576] float32
/// let query = try gguf.quantizedTensor(named: "blk.0.attn_q.weight")   // Q4_1 blocks
/// ```
///
/// Any malformed file throws a ``GGUFError`` naming the key or tensor at fault and never
/// crashes the process: counts, lengths, shapes and offsets are all checked against the file.
/// The mapping is private (copy-on-write), so tensors may be modified in place without
/// changing the file; it stays alive as long as any tensor from it does. As with any memory map, truncating the file while its tensors are
/// in use crashes the process.
public final class GGUFFile {
    /// Where the file was opened from.
    public let url: URL
    /// The format version (2 or 3).
    public let version: Int
    /// The key–value metadata, in file order.
    public let metadata: GGUFMetadata
    /// Every tensor's info, in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// The data alignment (`general.alignment`, 32 when absent).
    public let alignment: Int
    /// File offset of the data section, where tensor offsets count from.
    public let dataOffset: Int

    private let mapping: FileMapping
    private let index: [String: Int]

    /// The nesting limit for metadata arrays (arrays of arrays of ...): 32 levels.
    public static var maximumArrayDepth: Int { GGUFHeader.maximumArrayDepth }

    /// Opens `url`, maps it, and reads and validates the header and tensor infos.
    public init(contentsOf url: URL) throws(GGUFError) {
        let file = url.path
        let mapping = try mapFile(file)
        let header = try GGUFHeader(bytes: UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount), file: file)
        self.url = url
        self.mapping = mapping
        self.version = Int(header.version)
        self.metadata = header.metadata
        self.tensorInfos = header.tensors
        self.alignment = header.alignment
        self.dataOffset = header.dataStart
        self.index = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor names, in file order.
    public var names: [String] { tensorInfos.map(\.name) }

    /// The info for `name`, or nil when the file has no such tensor.
    public func info(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensorInfos[$0] }
    }

    /// The tensor called `name` with its values still encoded (any ``GGMLType``), viewing the
    /// file's memory map.
    public func quantizedTensor(named name: String) throws(GGUFError) -> QuantizedTensor {
        guard let info = info(named: name) else { throw .tensorNotFound(file: url.path, tensor: name) }
        let mapping = mapping
        let storage = Storage(wrapping: mapping.base + dataOffset + info.offset, byteCount: info.byteCount) { _ in
            withExtendedLifetime(mapping) {}  // keeps the mapping alive while any view exists
        }
        return QuantizedTensor(type: info.type, shape: info.shape, storage: storage)
    }

    /// The tensor called `name` as float32, dequantized bit-identically to
    /// `gguf.quants.dequantize`. An F32 tensor views the mapped file; other types are decoded
    /// into new memory. Throws ``GGUFError/unsupportedTensorType(file:tensor:type:)`` for types
    /// TensorKit cannot decode.
    public func tensor(named name: String) throws(GGUFError) -> Tensor {
        let quantized = try quantizedTensor(named: name)
        guard quantized.type.isDequantizable else {
            throw .unsupportedTensorType(file: url.path, tensor: name, type: quantized.type.name)
        }
        if quantized.type == .f32 && Int(bitPattern: quantized.storage.pointer) % 4 == 0 {
            return Tensor(storage: quantized.storage, layout: Layout(shape: quantized.shape), dtype: .float32)
        }
        return quantized.dequantized()
    }

    /// Every tensor as float32, by name.
    public func tensors() throws(GGUFError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(tensorInfos.count)
        for info in tensorInfos { result[info.name] = try tensor(named: info.name) }
        return result
    }
}

@available(*, unavailable, message: "GGUFFile hands out non-Sendable tensors")
extension GGUFFile: Sendable {}

/// Opens `path` and maps it whole (``FileMapping``), naming the file in the error.
private func mapFile(_ path: String) throws(GGUFError) -> FileMapping {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .cannotOpen(file: path, reason: systemError()) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw .cannotOpen(file: path, reason: systemError()) }
    guard (status.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(file: path, reason: "not a regular file") }
    do { return try FileMapping(descriptor: fd, byteCount: Int(status.st_size)) } catch {
        throw .cannotOpen(file: path, reason: error.reason)
    }
}
