import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a multi-file artifact (an adapter folder, a checkpoint) as one unit: readers see the
/// old folder or the new one, whole, never a mix (a new config beside old weights).
///
/// The files go to a temporary sibling folder, which is then exchanged with the destination in
/// one `renameat2(RENAME_EXCHANGE)` call (Linux ≥ 3.15), and the old content, now in the
/// temporary name, is deleted. Where the exchange is not available the old folder is first
/// renamed aside, leaving a moment with no folder but never a mixed one. Files of the old folder
/// that the new one does not write are carried over (hard-linked, or copied), so only what is
/// written changes.
///
/// Temporary names are `.<name>.<pid>.<random>.tmp`; leftovers of a process that died mid-save
/// are removed by the next save beside them (``removeStaleTemporaries(beside:)``).
///
/// ```swift
/// try AtomicFolder.write(to: adapterFolder) { folder in
///     try AtomicFile.write(configBytes, to: folder.appendingPathComponent("adapter_config.json"), durable: false)
///     try SafeTensors.save(tensors, to: folder.appendingPathComponent("adapter_model.safetensors"), durable: false)
/// }
/// ```
public enum AtomicFolder {
    /// Lets `body` fill a fresh temporary folder, then puts it in place of `url`.
    ///
    /// - Parameters:
    ///   - url: the destination folder; its parent is created if needed.
    ///   - durable: `fsync` the files and folders so the new content survives a power loss once
    ///     this returns.
    ///   - body: writes the files into the folder it is given (durability of each file is this
    ///     function's job: write them with `durable: false`).
    /// - Throws: what `body` throws, or ``AtomicFileError`` for a file-system failure; the
    ///   destination is then untouched and the temporary folder removed.
    public static func write(to url: URL, durable: Bool = true, _ body: (URL) throws -> Void) throws {
        let manager = FileManager.default
        let parent = url.deletingLastPathComponent()
        do { try manager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw AtomicFileError.cannotCreateTemporary(file: url.path, reason: "\(error.localizedDescription)")
        }
        removeStaleTemporaries(beside: url)
        let temporary = parent.appendingPathComponent(temporaryName(for: url), isDirectory: true)
        guard mkdir(temporary.path, 0o755) == 0 else {
            throw AtomicFileError.cannotCreateTemporary(file: url.path, reason: systemError())
        }
        do {
            try body(temporary)
            try carryOver(from: url, into: temporary)
            if durable { try syncTree(temporary, destination: url.path) }
            try swap(temporary, into: url)
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
        // `temporary` now holds the old folder (or nothing).
        try? manager.removeItem(at: temporary)
        if durable { syncPath(parent.path) }
    }

    /// Removes `.<name>.<pid>.*.tmp` files and folders beside `url` left by processes that no
    /// longer run (a kill or a power loss mid-save). Those of live processes are kept: they may
    /// be writing right now.
    public static func removeStaleTemporaries(beside url: URL) {
        let parent = url.deletingLastPathComponent()
        let prefix = "." + url.lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(prefix.count).dropLast(".tmp".count).split(separator: ".")
            guard middle.count == 2, let pid = Int32(middle[0]), !isRunning(pid) else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    /// A hidden temporary name beside `url`, `.<name>.<pid>.<random>.tmp`: the pid lets a later
    /// save tell a dead writer's leftovers (``removeStaleTemporaries(beside:)``).
    public static func temporaryName(for url: URL) -> String {
        ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
    }

    static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Links (or copies) into `temporary` the entries of `old` it does not have.
    private static func carryOver(from old: URL, into temporary: URL) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: old.path) else { return }
        for name in names {
            let target = temporary.appendingPathComponent(name)
            if manager.fileExists(atPath: target.path) { continue }
            let source = old.appendingPathComponent(name)
            if link(source.path, target.path) == 0 { continue }
            do { try manager.copyItem(at: source, to: target) } catch {
                throw AtomicFileError.writeFailed(file: old.path, reason: "cannot keep \(name): \(error.localizedDescription)")
            }
        }
    }

    /// Exchanges `temporary` and `url` (or renames when `url` does not exist yet).
    private static func swap(_ temporary: URL, into url: URL) throws {
        if rename(temporary.path, url.path) == 0 { return }   // no folder there yet (or an empty one)
        guard errno == ENOTEMPTY || errno == EEXIST else {
            throw AtomicFileError.renameFailed(file: url.path, reason: systemError())
        }
        if let exchange = renameExchange, exchange(AT_FDCWD, temporary.path, AT_FDCWD, url.path, 2 /* RENAME_EXCHANGE */) == 0 {
            return
        }
        // No atomic exchange here: move the old folder aside, then the new one in.
        let aside = url.deletingLastPathComponent().appendingPathComponent(temporaryName(for: url))
        guard rename(url.path, aside.path) == 0 else { throw AtomicFileError.renameFailed(file: url.path, reason: systemError()) }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = systemError()
            _ = rename(aside.path, url.path)
            throw AtomicFileError.renameFailed(file: url.path, reason: reason)
        }
        // The caller removes `temporary`; the old folder sits at `aside`.
        try? FileManager.default.moveItem(at: aside, to: temporary)
    }

    /// `fsync` every file in `folder` and the folder itself.
    private static func syncTree(_ folder: URL, destination: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names { syncPath(folder.appendingPathComponent(name).path) }
        syncPath(folder.path)
    }

    private static func syncPath(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// glibc's `renameat2`, looked up at run time: Swift's Glibc module does not declare it.
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private static let renameExchange: RenameAt2? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
        #else
        return nil
        #endif
    }()
}
