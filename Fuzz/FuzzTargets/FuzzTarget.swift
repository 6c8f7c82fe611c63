import Foundation
import FineTuning

/// One external input the library reads, fed with arbitrary bytes: it must return or throw,
/// never trap, hang or exhaust memory. `make fuzz` mutates the committed seeds of each target
/// (``FuzzRunner``), and `make test` replays the committed corpus (seeds and the regression
/// input of every crash found) through the same functions.
public struct FuzzTarget: Sendable {
    /// The target's name, also its corpus folder under `Fuzz/corpus/`.
    public let name: String
    /// Reads `bytes` through the library's public path for this kind of input.
    public let run: @Sendable (Data) throws -> Void

    /// Every target, by name.
    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "safetensors", run: FuzzHarness.safetensors),
        FuzzTarget(name: "gguf", run: FuzzHarness.gguf),
        FuzzTarget(name: "tokenizer-json", run: FuzzHarness.tokenizerJSON),
        FuzzTarget(name: "vocab-txt", run: FuzzHarness.vocabularyText),
        FuzzTarget(name: "config-json", run: FuzzHarness.configJSON),
        FuzzTarget(name: "adapter-config", run: FuzzHarness.adapterConfig),
        FuzzTarget(name: "csv-dataset", run: FuzzHarness.csvDataset),
        FuzzTarget(name: "jsonl-dataset", run: FuzzHarness.jsonlDataset),
    ]

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// The repository's `Fuzz/corpus/<target>/` folder.
    public var corpus: URL { FuzzHarness.repository.appendingPathComponent("Fuzz/corpus/\(name)", isDirectory: true) }
}
