import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An opened safetensors file: the header is read and validated up front, tensors are
/// produced on request.
///
/// With `mapped: true` (the default) the file is memory-mapped and each tensor *views* the
/// mapped pages, copying nothing, so opening a multi-gigabyte checkpoint costs only the header
/// parse, and pages are read from disk when first touched. The mapping is private
/// (copy-on-write): tensors may be updated in place (an optimizer step, a LoRA merge) without
/// changing the file. It stays alive as long as any tensor from it does. A tensor whose bytes
/// are not aligned to its element size inside the file (possible only in files from other
/// writers) is copied instead. As with any memory map, truncating the file while its tensors
/// are in use crashes the process; use `mapped: false` (tensors get their own memory, read
/// with `pread`) when the file may change underneath.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// print(file.names, file.metadata ?? [:])
/// let embedding = try file.tensor(named: "wte.weight")
/// ```
public final class SafeTensorsFile {
    /// Where the file was opened from.
    public let url: URL
    /// The header's `__metadata__` map, nil when the file has none.
    public let metadata: [String: String]?
    /// Every tensor entry, sorted by name.
    public let tensorInfos: [SafeTensors.TensorInfo]
    /// Whether tensors view a memory mapping of the file.
    public let isMapped: Bool

    private let source: Source
    private let dataStart: Int
    private let index: [String: Int]

    private enum Source {
        case mapping(FileMapping)
        case descriptor(FileDescriptor)
    }

    /// Opens `url`, reads and validates its header.
    ///
    /// - Parameters:
    ///   - url: the `.safetensors` file.
    ///   - mapped: view the file through a memory map (zero-copy) or read each tensor
    ///     into its own memory.
    public init(contentsOf url: URL, mapped: Bool = true) throws(SafeTensorsError) {
        let file = url.path
        let descriptor = try FileDescriptor(path: file)
        var status = stat()
        guard fstat(descriptor.fd, &status) == 0 else { throw .cannotOpen(file: file, reason: systemError()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(file: file, reason: "not a regular file") }
        let fileSize = Int(status.st_size)
        guard fileSize >= 8 else { throw .fileTooShort(file: file, byteCount: fileSize) }

        let header: SafeTensorsHeader
        if mapped {
            let mapping: FileMapping
            do { mapping = try FileMapping(descriptor: descriptor.fd, byteCount: fileSize) } catch {
                throw .cannotOpen(file: file, reason: error.reason)
            }
            let bytes = UnsafeRawBufferPointer(start: mapping.base, count: fileSize)
            let length = try SafeTensorsHeader.headerLength(prefix: bytes, fileSize: fileSize, file: file)
            header = try SafeTensorsHeader(json: UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + length)]),
                                           dataStart: 8 + length, dataByteCount: fileSize - 8 - length, file: file)
            source = .mapping(mapping)
        } else {
            let prefix = try descriptor.readBytes(count: 8, at: 0, file: file)
            let length = try prefix.withUnsafeBytes { buffer in
                Result { () throws(SafeTensorsError) in
                    try SafeTensorsHeader.headerLength(prefix: buffer, fileSize: fileSize, file: file)
                }
            }.get()
            let json = try descriptor.readBytes(count: length, at: 8, file: file)
            header = try json.withUnsafeBytes { buffer in
                Result { () throws(SafeTensorsError) in
                    try SafeTensorsHeader(json: buffer, dataStart: 8 + length, dataByteCount: fileSize - 8 - length, file: file)
                }
            }.get()
            source = .descriptor(descriptor)
        }
        self.url = url
        self.isMapped = mapped
        self.metadata = header.metadata
        self.dataStart = header.dataStart
        self.tensorInfos = header.entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        self.index = Dictionary(uniqueKeysWithValues: tensorInfos.enumerated().map { ($1.name, $0) })
    }

    /// The tensor names, sorted.
    public var names: [String] { tensorInfos.map(\.name) }

    /// The header entry for `name`, or nil when the file has no such tensor.
    public func info(named name: String) -> SafeTensors.TensorInfo? {
        index[name].map { tensorInfos[$0] }
    }

    /// The tensor called `name` (a contiguous tensor that requires no gradient).
    public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
        let file = url.path
        guard let info = info(named: name) else { throw .tensorNotFound(file: file, tensor: name) }
        guard let dtype = info.dtype else { throw .unsupportedDType(file: file, tensor: name, dtype: info.format) }
        let byteCount = info.dataOffsets.count
        let fileOffset = dataStart + info.dataOffsets.lowerBound
        let storage: Storage
        switch source {
        case let .mapping(mapping):
            let pointer = mapping.base + fileOffset
            if byteCount > 0 && Int(bitPattern: pointer) % dtype.byteSize == 0 {
                // The closure keeps the mapping alive until the last tensor viewing it is freed.
                storage = Storage(wrapping: pointer, byteCount: byteCount) { _ in withExtendedLifetime(mapping) {} }
            } else {
                storage = Storage(byteCount: byteCount)
                storage.pointer.copyMemory(from: pointer, byteCount: byteCount)
            }
        case let .descriptor(descriptor):
            storage = Storage(byteCount: byteCount)
            try descriptor.read(into: UnsafeMutableRawBufferPointer(start: storage.pointer, count: byteCount),
                                at: fileOffset, file: file)
        }
        if dtype == .bool {
            // Swift's Bool must be 0 or 1; any other byte would be undefined behaviour later.
            let bytes = storage.pointer.assumingMemoryBound(to: UInt8.self)
            for i in 0..<byteCount where bytes[i] > 1 {
                throw .invalidBoolValue(file: file, tensor: name, index: i, byte: bytes[i])
            }
        }
        return Tensor(storage: storage, layout: Layout(shape: info.shape), dtype: dtype)
    }

    /// Every tensor in the file, by name.
    public func tensors() throws(SafeTensorsError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(tensorInfos.count)
        for info in tensorInfos { result[info.name] = try tensor(named: info.name) }
        return result
    }
}

@available(*, unavailable, message: "SafeTensorsFile hands out non-Sendable tensors")
extension SafeTensorsFile: Sendable {}

/// An open read-only file descriptor, closed on release.
private final class FileDescriptor {
    let fd: Int32

    init(path: String) throws(SafeTensorsError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: systemError()) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// `count` bytes from `offset`.
    func readBytes(count: Int, at offset: Int, file: String) throws(SafeTensorsError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 8)
        defer { buffer.deallocate() }
        try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: offset, file: file)
        return Array(buffer[0..<count])
    }

    /// Fills `buffer` from `offset`, failing on a short file or an I/O error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, file: String) throws(SafeTensorsError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let got = pread(fd, base + done, Swift.min(buffer.count - done, 1 << 30), off_t(offset + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw .readFailed(file: file, reason: systemError())
            }
            if got == 0 { throw .readFailed(file: file, reason: "file ended at byte \(offset + done) (did it change while reading?)") }
            done += got
        }
    }
}
