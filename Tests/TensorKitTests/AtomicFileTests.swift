import Foundation
import Testing
@testable import TensorKit

private struct Interrupted: Error {}

@Suite struct AtomicFileTests {
    @Test func saveReplacesAnExistingFileAndLeavesNoTemporary() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("model.safetensors")
        try Data("old contents".utf8).write(to: url)
        try SafeTensors.save(["x": Tensor([1, 2] as [Float])], to: url)
        #expect(try folder.contents() == ["model.safetensors"])
        #expect(try SafeTensors.load(contentsOf: url)["x"]?.scalars(as: Float.self) == [1, 2])
    }

    @Test func failureMidWriteKeepsTheOldFileAndRemovesTheTemporary() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("checkpoint.bin")
        try AtomicFile.write(Array("old".utf8), to: url)
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: url) { file in
                try file.write(Array("half of the new".utf8))
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(try folder.contents() == ["checkpoint.bin"])
    }

    @Test func invalidSaveDoesNotTouchTheExistingFile() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let url = folder.file("m.safetensors")
        try SafeTensors.save(["a": Tensor([1] as [Float])], to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: SafeTensorsError.invalidTensorName(file: url.path, tensor: "__metadata__",
                                                           reason: "the name is reserved for the metadata map")) {
            try SafeTensors.save(["__metadata__": Tensor([1] as [Float])], to: url)
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try folder.contents() == ["m.safetensors"])
    }

    @Test func missingFolderAndDirectoryDestinationThrowTypedErrors() throws {
        let folder = try IOScratchFolder()
        defer { folder.cleanup() }
        let missing = folder.url.appendingPathComponent("no/such/folder/x.safetensors")
        #expect {
            try SafeTensors.save(["a": Tensor([1] as [Float])], to: missing)
        } throws: { error in
            guard case .cannotCreateTemporary(let file, _) = error as? AtomicFileError else { return false }
            return file == missing.path
        }
        let directory = folder.file("dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        #expect {
            try AtomicFile.write(Array("x".utf8), to: directory, durable: false)
        } throws: { error in
            guard case .renameFailed = error as? AtomicFileError else { return false }
            return true
        }
        #expect(try folder.contents() == ["dir"])
    }
}
