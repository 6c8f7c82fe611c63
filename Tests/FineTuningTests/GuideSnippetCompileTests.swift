import Foundation
import Testing

// Every ```swift block of README.md, Documentation/*.md and the DocC articles, type-checked
// exactly as printed (GuideSnippets says how a guide becomes one Swift file), against the modules
// this test run was built with: one `swiftc -typecheck` per guide. A new guide is picked up
// without touching this file. Tests such as LoRAGuideTests still *run* the guides' code.
@Suite struct GuideSnippetCompileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// README.md, Documentation/*.md and Sources/*/*.docc/**/*.md, relative to the package root.
    static let guides: [String] = {
        let files = FileManager.default
        var found = ["README.md"]
        let documentation = packageRoot.appendingPathComponent("Documentation")
        for name in (try? files.contentsOfDirectory(atPath: documentation.path)) ?? [] where name.hasSuffix(".md") {
            found.append("Documentation/" + name)
        }
        let sources = packageRoot.appendingPathComponent("Sources")
        for module in (try? files.contentsOfDirectory(atPath: sources.path)) ?? [] {
            let catalog = "Sources/\(module)/\(module).docc"
            guard let walk = files.enumerator(atPath: packageRoot.appendingPathComponent(catalog).path) else { continue }
            for case let name as String in walk where name.hasSuffix(".md") { found.append(catalog + "/" + name) }
        }
        return found.sorted()
    }()

    @Test(arguments: guides) func snippetsCompileAsPrinted(_ guide: String) throws {
        let markdown = try String(contentsOf: Self.packageRoot.appendingPathComponent(guide), encoding: .utf8)
        let snippets = try GuideSnippets(markdown: markdown, path: guide)
        if let diagnostics = try Self.typeCheck(snippets.swiftSource(), name: guide) {
            Issue.record("\(guide) has Swift that does not compile as printed:\n\(diagnostics)")
        }
    }

    @Test func theCheckFailsOnDriftAndPointsAtTheGuideLine() throws {
        let markdown = """
            # A guide

            ```swift
            import FineTuning

            let x = Tensor.zeros([2, 3])
            ```

            <!-- snippet given: model: SequenceClassifier, urls: [URL] -->
            ```swift
            let y = x.matmul(x.transposed())
            let parameters = model.trainableParameters()
            ```

            ```swift
            let z = y.noSuchMethod()
            ```

            <!-- snippet not compiled: not Swift on its own -->
            ```swift
            dependencies: [ ... ]
            ```
            """
        let snippets = try GuideSnippets(markdown: markdown, path: "Documentation/Drift.md")
        #expect(snippets.blocks.map(\.firstLine) == [4, 11, 16, 21])
        let diagnostics = try #require(try Self.typeCheck(snippets.swiftSource(), name: "drift"))
        #expect(diagnostics.contains("Documentation/Drift.md:16:"))
        #expect(diagnostics.contains("noSuchMethod"))
        #expect(!diagnostics.contains("Drift.md:11:") && !diagnostics.contains("Drift.md:21:"))
    }

    /// The directory holding the modules this test binary was linked against (`Modules` beside it).
    private static func moduleDirectory() throws -> URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [executable, Bundle.main.executableURL].compactMap { $0?.deletingLastPathComponent() }
        for directory in candidates {
            let modules = directory.appendingPathComponent("Modules")
            if FileManager.default.fileExists(atPath: modules.appendingPathComponent("FineTuning.swiftmodule").path) {
                return modules
            }
        }
        throw SnippetCheckError(message: "no FineTuning.swiftmodule under \(candidates.map(\.path)): run the tests through `swift test`")
    }

    /// `pkg-config --cflags ompi-c` (Open MPI's include folders), or none when it is not installed.
    private static let mpiIncludeFlags: [String] = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--cflags", "ompi-c"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text.split(separator: " ").map(String.init).filter { $0.hasPrefix("-I") } : []
    }()

    /// Runs `swiftc -typecheck` on `source`; nil when it compiles, its error output otherwise.
    private static func typeCheck(_ source: String, name: String) throws -> String? {
        let modules = try moduleDirectory()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guide-snippets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // One file and no -parse-as-library: top-level code, as in a user's main.swift.
        let file = folder.appendingPathComponent(name.replacingOccurrences(of: "/", with: "_") + ".swift")
        try Data(source.utf8).write(to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let build = modules.deletingLastPathComponent()
        // The C modules the package's Swift modules import: CBLAS, CMPI (with Open MPI's headers,
        // where pkg-config finds them), the quantized kernels and the FAISS shim (module maps
        // generated by SwiftPM).
        var cModules = ["-I", packageRoot.appendingPathComponent("Sources/CBLAS").path,
                        "-I", packageRoot.appendingPathComponent("Sources/CMPI").path]
        for target in ["CQuantizedKernels", "CFAISSShim"] {
            let map = build.appendingPathComponent("\(target).build/module.modulemap")
            if FileManager.default.fileExists(atPath: map.path) { cModules += ["-Xcc", "-fmodule-map-file=\(map.path)"] }
        }
        cModules += Self.mpiIncludeFlags.flatMap { ["-Xcc", $0] }
        process.arguments = ["swiftc", "-typecheck", "-swift-version", "6", "-suppress-warnings", "-I", modules.path] + cModules
            + ["-module-cache-path", build.appendingPathComponent("ModuleCache").path, file.path]
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        // The "file:line:column: error: ..." lines; swiftc's excerpts would show the generated file.
        let errors = text.split(separator: "\n").filter { $0.contains(": error: ") }
        return errors.isEmpty ? "swiftc exited with status \(process.terminationStatus):\n\(text)" : errors.joined(separator: "\n")
    }
}

private struct SnippetCheckError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
