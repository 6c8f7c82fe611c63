import Foundation
import Testing
@testable import TensorKit

@Suite struct AtomicFolderTests {
    private func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-folder-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func contents(_ folder: URL) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return Dictionary(uniqueKeysWithValues: names.map {
            ($0, (try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) ?? "?")
        })
    }

    private func write(_ files: [String: String], to folder: URL) throws {
        try AtomicFolder.write(to: folder) { temporary in
            for (name, text) in files { try AtomicFile.write(Array(text.utf8), to: temporary.appendingPathComponent(name), durable: false) }
        }
    }

    @Test func replacesTheFolderAndKeepsOtherFiles() throws {
        let parent = scratch(), folder = parent.appendingPathComponent("adapter")
        try write(["config": "1", "weights": "1"], to: folder)
        #expect(contents(folder) == ["config": "1", "weights": "1"])
        try "user notes".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try write(["config": "2", "weights": "2"], to: folder)
        #expect(contents(folder) == ["config": "2", "weights": "2", "README.md": "user notes"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["adapter"])   // no temporaries left
    }

    @Test func aFailedWriteLeavesTheOldFolder() throws {
        struct Stop: Error {}
        let parent = scratch(), folder = parent.appendingPathComponent("adapter")
        try write(["config": "1", "weights": "1"], to: folder)
        #expect(throws: Stop.self) {
            try AtomicFolder.write(to: folder) { temporary in
                try AtomicFile.write(Array("2".utf8), to: temporary.appendingPathComponent("config"), durable: false)
                throw Stop()   // e.g. the disk filled up before the weights
            }
        }
        #expect(contents(folder) == ["config": "1", "weights": "1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["adapter"])
    }

    /// A process killed between the two files leaves the old folder whole; its temporary folder
    /// is removed by the next save.
    @Test func aKilledWriterLeavesTheOldFolderAndItsLeftoversAreCleaned() async throws {
        let parent = scratch(), folder = parent.appendingPathComponent("adapter")
        try write(["config": "1", "weights": "1"], to: folder)
        let path = folder.path
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            try? AtomicFolder.write(to: URL(fileURLWithPath: path)) { temporary in
                try AtomicFile.write(Array("2".utf8), to: temporary.appendingPathComponent("config"), durable: false)
                kill(getpid(), SIGKILL)
            }
        }
        #expect(contents(folder) == ["config": "1", "weights": "1"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { $0 != "adapter" }
        #expect(leftovers.count == 1 && leftovers[0].hasPrefix(".adapter.") && leftovers[0].hasSuffix(".tmp"))
        try write(["config": "3", "weights": "3"], to: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["adapter"])
        #expect(contents(folder) == ["config": "3", "weights": "3"])
    }

    @Test func temporariesOfLiveWritersAreKept() throws {
        let parent = scratch(), file = parent.appendingPathComponent("model.safetensors")
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = parent.appendingPathComponent(".model.safetensors.\(finished.processIdentifier).17.tmp")
        let live = parent.appendingPathComponent(".model.safetensors.\(getpid()).18.tmp")
        let unrelated = parent.appendingPathComponent(".other.\(finished.processIdentifier).19.tmp")
        for url in [dead, live, unrelated] { try "x".write(to: url, atomically: false, encoding: .utf8) }
        try AtomicFile.write(Array("new".utf8), to: file)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: parent.path))
        #expect(names == ["model.safetensors", live.lastPathComponent, unrelated.lastPathComponent])
    }
}
