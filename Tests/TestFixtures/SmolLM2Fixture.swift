import Foundation

/// data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (98 MB), fetched with scripts/fetch-smollm2.sh
/// (`make llm`) when missing — once per process, whichever test asks first.
public let smolLM2File: Result<URL, FixtureFetchFailure> = {
    let file = packageRoot.appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    if FileManager.default.fileExists(atPath: file.path) { return .success(file) }
    let script = packageRoot.appendingPathComponent("scripts/fetch-smollm2.sh")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script.path]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        return .failure(FixtureFetchFailure("could not run \(script.path): \(error)"))
    }
    guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: file.path) else {
        return .failure(FixtureFetchFailure(
            "\(file.path) is missing and scripts/fetch-smollm2.sh failed (exit \(process.terminationStatus)); "
                + "run `make llm` by hand (it needs python3 with pip and access to PyPI)"))
    }
    return .success(file)
}()
