import Foundation

// The example tests read the same model files as the library's tests: `make llm` puts them in the
// root package's data/ folder (`make test` runs the library's tests first, which fetch them).

/// The root package's folder, found from this file's path (Examples/Tests/ExamplesTests/).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf, fetched with scripts/fetch-smollm2.sh when missing.
let smolLM2File: Result<URL, ModelFileMissing> = {
    let file = packageRoot.appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    if FileManager.default.fileExists(atPath: file.path) { return .success(file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [packageRoot.appendingPathComponent("scripts/fetch-smollm2.sh").path]
    if (try? process.run()) != nil { process.waitUntilExit() }
    guard FileManager.default.fileExists(atPath: file.path) else {
        return .failure(ModelFileMissing(description: "\(file.path) is missing and scripts/fetch-smollm2.sh failed; run `make llm`"))
    }
    return .success(file)
}()

/// Why a model file the tests need is not there.
struct ModelFileMissing: Error, CustomStringConvertible {
    var description: String
}

/// data/all-MiniLM-L6-v2, fetched with scripts/fetch-minilm.sh when missing.
let miniLMFolder: Result<URL, ModelFileMissing> = {
    let folder = packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2")
    let weights = folder.appendingPathComponent("model.safetensors")
    if FileManager.default.fileExists(atPath: weights.path) { return .success(folder) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [packageRoot.appendingPathComponent("scripts/fetch-minilm.sh").path]
    if (try? process.run()) != nil { process.waitUntilExit() }
    guard FileManager.default.fileExists(atPath: weights.path) else {
        return .failure(ModelFileMissing(description: "\(folder.path) is missing and scripts/fetch-minilm.sh failed; run `make model`"))
    }
    return .success(folder)
}()
