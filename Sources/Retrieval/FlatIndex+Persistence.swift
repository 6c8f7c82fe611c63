import Foundation
import FineTuning

/// What `index.json` holds beside `vectors.safetensors`.
struct FlatIndexManifest: Codable {
    static let currentFormat = "flat-cosine-index"
    static let currentVersion = 1

    var format: String
    var version: Int
    var dimension: Int
    var ids: [String]
}

extension FlatIndex: PersistentVectorIndex {
    /// The file of ids and dimension.
    public static let manifestName = "index.json"
    /// The file of vectors: one float32 tensor `vectors` of shape `[count, dimension]`.
    public static let vectorsName = "vectors.safetensors"
    /// Largest dimension accepted from a file (guards allocation against a corrupt header).
    static let maxFileDimension = 1 << 16

    /// Writes the index into `directory` as one unit: `vectors.safetensors` and `index.json` go to
    /// a temporary sibling folder that then replaces `directory`, so a reader (or a crash)
    /// sees the old index or the new one, never a mix.
    ///
    /// - Parameters:
    ///   - directory: the folder to create or replace.
    ///   - durable: `fsync` the files before the swap, so the index survives a power loss.
    /// - Throws: `AtomicFileError` when the file system fails; `directory` is then untouched.
    public func save(to directory: URL, durable: Bool = true) throws {
        try save(to: directory, durable: durable, beforeCommit: { _ in })
    }

    /// ``save(to:durable:)`` with a hook run after the files are written and before the swap
    /// (tests make it throw or kill the process there).
    func save(to directory: URL, durable: Bool, beforeCommit: (URL) throws -> Void) throws {
        try AtomicFolder.write(to: directory, durable: durable) { folder in
            try writeFiles(into: folder)
            try beforeCommit(folder)
        }
    }

    /// Writes `vectors.safetensors` and `index.json` into `folder` (not atomic as a pair).
    public func writeFiles(into folder: URL) throws {
        let tensor = Tensor(vectors, shape: [count, dimension])
        try SafeTensors.save(["vectors": tensor], metadata: ["format": FlatIndexManifest.currentFormat],
                             to: folder.appendingPathComponent(Self.vectorsName), durable: false)
        let manifest = FlatIndexManifest(format: FlatIndexManifest.currentFormat, version: FlatIndexManifest.currentVersion,
                                         dimension: dimension, ids: ids)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(manifest)), to: folder.appendingPathComponent(Self.manifestName),
                             durable: false)
    }

    /// Reads an index saved by ``save(to:durable:)``.
    ///
    /// - Throws: ``RetrievalError/missingFile(file:reason:)`` or
    ///   ``RetrievalError/corruptFile(file:reason:)`` naming the file: a malformed manifest,
    ///   duplicate ids, a truncated or malformed safetensors file, or vectors whose shape is not
    ///   `[ids.count, dimension]`. Sizes are checked before the vectors are read.
    public convenience init(contentsOf directory: URL) throws {
        let (manifest, vectors) = try Self.readFiles(in: directory)
        self.init(dimension: manifest.dimension, ids: manifest.ids, unitVectors: vectors)
    }

    /// Reads an index saved by ``save(to:durable:)`` (the ``PersistentVectorIndex`` requirement).
    public static func read(from folder: URL) throws -> Self {
        let (manifest, vectors) = try readFiles(in: folder)
        return Self(dimension: manifest.dimension, ids: manifest.ids, unitVectors: vectors)
    }

    private static func readFiles(in directory: URL) throws(RetrievalError) -> (FlatIndexManifest, [Float]) {
        let manifestURL = directory.appendingPathComponent(manifestName)
        let manifest = try readManifest(manifestURL)
        let vectorsURL = directory.appendingPathComponent(vectorsName)
        guard FileManager.default.fileExists(atPath: vectorsURL.path) else {
            throw .missingFile(file: vectorsURL.path, reason: "no such file")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: vectorsURL, mapped: true) } catch {
            throw .corruptFile(file: vectorsURL.path, reason: reason(error, file: vectorsURL.path))
        }
        guard let info = file.info(named: "vectors") else {
            throw .corruptFile(file: vectorsURL.path, reason: "no tensor named 'vectors'")
        }
        let expected = [manifest.ids.count, manifest.dimension]
        guard info.dtype == .float32 else {
            throw .corruptFile(file: vectorsURL.path, reason: "tensor 'vectors' is \(info.format), expected F32")
        }
        guard info.shape == expected else {
            throw .corruptFile(file: vectorsURL.path, reason: "tensor 'vectors' has shape \(info.shape), but \(manifestName) "
                               + "lists \(manifest.ids.count) ids of dimension \(manifest.dimension): expected \(expected)")
        }
        let tensor: Tensor
        do { tensor = try file.tensor(named: "vectors") } catch {
            throw .corruptFile(file: vectorsURL.path, reason: reason(error, file: vectorsURL.path))
        }
        let values = tensor.scalars(as: Float.self)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .corruptFile(file: vectorsURL.path, reason: "row \(bad / manifest.dimension) holds NaN or infinity")
        }
        return (manifest, values)
    }

    private static func readManifest(_ url: URL) throws(RetrievalError) -> FlatIndexManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .missingFile(file: url.path, reason: error.localizedDescription)
        }
        let manifest: FlatIndexManifest
        do { manifest = try JSONDecoder().decode(FlatIndexManifest.self, from: data) } catch {
            throw .corruptFile(file: url.path, reason: "not a flat index manifest: \(error)")
        }
        guard manifest.format == FlatIndexManifest.currentFormat else {
            throw .corruptFile(file: url.path, reason: "format is '\(manifest.format)', expected '\(FlatIndexManifest.currentFormat)'")
        }
        guard manifest.version == FlatIndexManifest.currentVersion else {
            throw .corruptFile(file: url.path, reason: "version \(manifest.version) is not supported (expected \(FlatIndexManifest.currentVersion))")
        }
        guard (1...maxFileDimension).contains(manifest.dimension) else {
            throw .corruptFile(file: url.path, reason: "dimension \(manifest.dimension) is outside 1...\(maxFileDimension)")
        }
        do { try checkUnique(manifest.ids) } catch {
            throw .corruptFile(file: url.path, reason: "\(error)")
        }
        return manifest
    }
}

/// The message of `error` without the leading `file: ` that SafeTensorsError puts there, so the
/// RetrievalError naming the file does not name it twice.
func reason(_ error: any Error, file: String) -> String {
    let text = "\(error)"
    return text.hasPrefix(file + ": ") ? String(text.dropFirst(file.count + 2)) : text
}
