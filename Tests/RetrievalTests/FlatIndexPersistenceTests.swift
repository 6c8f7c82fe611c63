import Foundation
import Testing
@testable import Retrieval
import FineTuning
#if canImport(Glibc)
import Glibc
#endif

/// A fresh empty folder under the system temporary folder.
func scratchFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("retrieval-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// An index of `count` random vectors named `prefix0`, `prefix1`, ...
func sampleIndex(_ count: Int, dimension: Int = 8, prefix: String = "v", seed: UInt64 = 5) throws -> FlatIndex {
    let index = FlatIndex(dimension: dimension)
    try index.upsert(ids: (0..<count).map { "\(prefix)\($0)" }, vectors: randomVectors(count, dimension, seed: seed))
    return index
}

@Suite struct FlatIndexPersistenceTests {
    struct Interrupted: Error {}

    @Test func roundTripKeepsIdsVectorsAndResults() throws {
        let folder = scratchFolder().appendingPathComponent("index")
        let index = try sampleIndex(50)
        try index.remove(ids: ["v3", "v17"])
        try index.save(to: folder)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == [FlatIndex.manifestName, FlatIndex.vectorsName])
        let loaded = try FlatIndex(contentsOf: folder)
        #expect(loaded.dimension == 8 && loaded.ids == index.ids && loaded.vectors == index.vectors)
        let queries = randomVectors(3, 8, seed: 9)
        #expect(try loaded.search(queries, k: 5) == index.search(queries, k: 5))
        // Still updatable after loading.
        try loaded.upsert(ids: ["new"], vectors: randomVectors(1, 8, seed: 10))
        #expect(loaded.count == 49)
    }

    @Test func aFailedSaveLeavesTheOldIndex() throws {
        let folder = scratchFolder().appendingPathComponent("index")
        let old = try sampleIndex(20)
        try old.save(to: folder)
        let new = try sampleIndex(30, prefix: "w", seed: 6)
        #expect(throws: Interrupted.self) {
            try new.save(to: folder, durable: false) { _ in throw Interrupted() }   // e.g. the disk filled up
        }
        let loaded = try FlatIndex(contentsOf: folder)
        #expect(loaded.ids == old.ids && loaded.vectors == old.vectors)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path) == ["index"])
    }

    /// A process killed after writing the new files but before the swap leaves the old index
    /// whole and readable.
    @Test func aKilledSaveLeavesTheOldIndex() async throws {
        let folder = scratchFolder().appendingPathComponent("index")
        let old = try sampleIndex(20)
        try old.save(to: folder)
        let path = folder.path
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            let new = try sampleIndex(300, prefix: "w", seed: 6)
            try? new.save(to: URL(fileURLWithPath: path), durable: false) { _ in kill(getpid(), SIGKILL) }
        }
        let loaded = try FlatIndex(contentsOf: folder)
        #expect(loaded.ids == old.ids && loaded.vectors == old.vectors)
    }

    @Test func missingFilesAreNamed() throws {
        let folder = scratchFolder()
        #expect { try FlatIndex(contentsOf: folder) } throws: { error in
            guard case let .missingFile(file, _) = error as? RetrievalError else { return false }
            return file.hasSuffix(FlatIndex.manifestName)
        }
        try sampleIndex(4).save(to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent(FlatIndex.vectorsName))
        #expect(throws: RetrievalError.missingFile(file: folder.appendingPathComponent(FlatIndex.vectorsName).path, reason: "no such file")) {
            try FlatIndex(contentsOf: folder)
        }
    }

    @Test func truncatedVectorsThrow() throws {
        let folder = scratchFolder()
        try sampleIndex(10).save(to: folder)
        let url = folder.appendingPathComponent(FlatIndex.vectorsName)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 7).write(to: url)
        expectCorrupt(folder, file: FlatIndex.vectorsName, mentioning: "run past the data section")
        try bytes.prefix(5).write(to: url)
        expectCorrupt(folder, file: FlatIndex.vectorsName, mentioning: "8-byte header")
    }

    @Test func idsThatDisagreeWithTheVectorsThrow() throws {
        let folder = scratchFolder()
        try sampleIndex(10).save(to: folder)
        // 11 ids for 10 rows: the mismatch is found from the header, before the vectors are read.
        try rewriteManifest(in: folder) { $0.ids.append("extra") }
        expectCorrupt(folder, file: FlatIndex.vectorsName, mentioning: "expected [11, 8]")
        try sampleIndex(10).save(to: folder)
        try rewriteManifest(in: folder) { $0.dimension = 16 }
        expectCorrupt(folder, file: FlatIndex.vectorsName, mentioning: "expected [10, 16]")
        try sampleIndex(10).save(to: folder)
        try rewriteManifest(in: folder) { $0.ids[1] = $0.ids[0] }
        expectCorrupt(folder, file: FlatIndex.manifestName, mentioning: "more than once")
        try rewriteManifest(in: folder) { $0.dimension = 1 << 40 }
        expectCorrupt(folder, file: FlatIndex.manifestName, mentioning: "outside")
        try Data("{\"format\": 3}".utf8).write(to: folder.appendingPathComponent(FlatIndex.manifestName))
        expectCorrupt(folder, file: FlatIndex.manifestName, mentioning: "not a flat index manifest")
    }

    @Test func nonFiniteStoredVectorsThrow() throws {
        let folder = scratchFolder()
        try sampleIndex(3).save(to: folder)
        let bad = Tensor([Float](repeating: 0.5, count: 23) + [.nan], shape: [3, 8])
        try SafeTensors.save(["vectors": bad], to: folder.appendingPathComponent(FlatIndex.vectorsName))
        expectCorrupt(folder, file: FlatIndex.vectorsName, mentioning: "row 2")
    }

    private func rewriteManifest(in folder: URL, _ change: (inout FlatIndexManifest) -> Void) throws {
        let url = folder.appendingPathComponent(FlatIndex.manifestName)
        var manifest = try JSONDecoder().decode(FlatIndexManifest.self, from: Data(contentsOf: url))
        change(&manifest)
        try JSONEncoder().encode(manifest).write(to: url)
    }

    private func expectCorrupt(_ folder: URL, file: String, mentioning text: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try FlatIndex(contentsOf: folder) } throws: { error in
            guard case let .corruptFile(path, reason) = error as? RetrievalError else { return false }
            return path.hasSuffix(file) && reason.contains(text)
        }
    }
}
