import Foundation

/// Where the LLM examples find what `make llm` and `make data` fetched: the package's own
/// `data/` folder, whatever the working directory.
public enum LLMPaths {
    /// The package root (two folders above this source file).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// SmolLM2-135M-Instruct (Q4_1), fetched by `make llm`.
    public static let defaultModel = packageRoot.appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    /// The TREC questions, extracted by `make data`.
    public static let trecQuestions = packageRoot.appendingPathComponent("data/trec-questions.txt")
}
