import Foundation

// What the test targets share: the committed fixture files and the pretrained MiniLM folder.
// One module holds them so that the folder is fetched once per test process, whichever target's
// test asks first, and two fetches never race.

/// The package root, found from this file's path.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A committed file under Tests/Fixtures.
public func fixtureURL(_ name: String) -> URL {
    packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
}

/// data/all-MiniLM-L6-v2 (tokenizer, config and weights), fetched with scripts/fetch-minilm.sh
/// when missing — once per process, shared by the tokenizer and pretrained-model tests.
public let miniLMFolder: Result<URL, FixtureFetchFailure> = {
    let folder = packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2")
    let needed = ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"].map { folder.appendingPathComponent($0) }
    return fetch(folder, needing: needed, with: "fetch-minilm.sh", by: "make model")
}()

/// `result` once every file of `needed` exists, running `scripts/<script>` first when one is
/// missing.
func fetch(_ result: URL, needing needed: [URL], with script: String, by target: String) -> Result<URL, FixtureFetchFailure> {
    let present = { needed.allSatisfy { FileManager.default.fileExists(atPath: $0.path) } }
    if present() { return .success(result) }
    let scriptURL = packageRoot.appendingPathComponent("scripts").appendingPathComponent(script)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [scriptURL.path]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        return .failure(FixtureFetchFailure("could not run \(scriptURL.path): \(error)"))
    }
    guard process.terminationStatus == 0, present() else {
        return .failure(FixtureFetchFailure(
            "\(result.path) is missing and scripts/\(script) failed (exit \(process.terminationStatus)); "
                + "run `\(target)` by hand (it needs python3 with pip and access to PyPI)"))
    }
    return .success(result)
}

/// Why a fixture the tests need could not be fetched.
public struct FixtureFetchFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
