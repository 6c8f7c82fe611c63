import Foundation

/// data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (98 MB), fetched with scripts/fetch-smollm2.sh
/// (`make llm`) when missing — once per process, whichever test asks first.
public let smolLM2File: Result<URL, FixtureFetchFailure> = {
    let file = packageRoot.appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    return fetch(file, needing: [file], with: "fetch-smollm2.sh", by: "make llm")
}()
