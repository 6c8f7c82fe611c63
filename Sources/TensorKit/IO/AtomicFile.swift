import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an atomic write failed. The destination is untouched and no temporary file remains.
public enum AtomicFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The temporary file next to the destination could not be created.
    case cannotCreateTemporary(file: String, reason: String)
    /// Writing or flushing the temporary file failed (disk full, I/O error, ...).
    case writeFailed(file: String, reason: String)
    /// The finished temporary file could not be renamed onto the destination.
    case renameFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreateTemporary(file, reason): return "\(file): cannot create a temporary file beside it: \(reason)"
        case let .writeFailed(file, reason): return "\(file): write failed: \(reason)"
        case let .renameFailed(file, reason): return "\(file): cannot move the finished file into place: \(reason)"
        }
    }
}

/// Writes files so that readers see either the old complete file or the new complete file,
/// never a half-written one: the bytes go to a temporary file in the same folder, which is
/// flushed and then renamed over the destination (`rename` is atomic within a file system).
///
/// ```swift
/// try AtomicFile.write(to: url) { file in
///     try file.write(headerBytes)
///     try file.write(UnsafeRawBufferPointer(start: pointer, count: byteCount))
/// }
/// ```
///
/// If `body` throws, or any step fails, the temporary file is removed and the destination is
/// left as it was. Temporary files of a writer that was killed mid-save are removed by the next
/// write beside them. Used for safetensors files and checkpoints; ``AtomicFolder`` does the
/// same for folders of several files.
public enum AtomicFile {
    /// Creates a temporary file beside `url`, lets `body` fill it, and renames it onto `url`.
    ///
    /// - Parameters:
    ///   - url: the destination; replaced only when `body` and the writes succeed.
    ///   - durable: also `fsync` the file and its folder, so the new content survives a
    ///     power loss once this returns (costs a disk flush; pass false for scratch files).
    ///   - body: writes the content through the ``AtomicFileWriter`` it is given.
    public static func write(to url: URL, durable: Bool = true,
                             _ body: (AtomicFileWriter) throws -> Void) throws {
        let destination = url.path
        let folder = url.deletingLastPathComponent().path
        AtomicFolder.removeStaleTemporaries(beside: url)   // leftovers of a writer killed mid-save
        let temporary = folder + "/" + AtomicFolder.temporaryName(for: url)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError.cannotCreateTemporary(file: destination, reason: systemError()) }
        let writer = AtomicFileWriter(descriptor: fd, destination: destination)
        var closed = false
        do {
            try body(writer)
            if durable && fsync(fd) != 0 { throw AtomicFileError.writeFailed(file: destination, reason: systemError()) }
            closed = true
            if close(fd) != 0 { throw AtomicFileError.writeFailed(file: destination, reason: systemError()) }
            if rename(temporary, destination) != 0 { throw AtomicFileError.renameFailed(file: destination, reason: systemError()) }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        if durable { syncFolder(folder) }
    }

    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL, durable: Bool = true) throws {
        try write(to: url, durable: durable) { try $0.write(bytes) }
    }

    /// Makes the rename itself durable; failure here is not an error of the write (the data
    /// is complete), and some file systems refuse to sync folders.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}

/// The open temporary file handed to ``AtomicFile/write(to:durable:_:)``'s body. Valid only
/// during that call.
public final class AtomicFileWriter {
    private let descriptor: Int32
    private let destination: String
    /// Bytes written so far.
    public private(set) var byteCount = 0

    init(descriptor: Int32, destination: String) {
        self.descriptor = descriptor
        self.destination = destination
    }

    /// Appends the bytes of `buffer`, retrying short writes and interrupted calls.
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard var cursor = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            // Large single writes can be cut short by the kernel; 1 GiB chunks keep each call bounded.
            let written = systemWrite(descriptor, cursor, Swift.min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError.writeFailed(file: destination, reason: systemError())
            }
            if written == 0 { throw AtomicFileError.writeFailed(file: destination, reason: "no progress writing") }
            cursor += written
            remaining -= written
            byteCount += written
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

@available(*, unavailable, message: "AtomicFileWriter is used only inside one AtomicFile.write call")
extension AtomicFileWriter: Sendable {}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// The message for the current `errno`.
func systemError() -> String { String(cString: strerror(errno)) }
