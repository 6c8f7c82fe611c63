// swift-tools-version: 6.0
// The example programs live in their own package, so a project that depends on the libraries
// resolves nothing it does not use (swift-argument-parser is only needed here).
//
//     swift run --package-path Examples -c release compare-strategies --task trec-json
//     swift test --package-path Examples
import PackageDescription

var tensorKit: Target.Dependency { .product(name: "TensorKit", package: "SwiftFineTuning") }
var fineTuning: Target.Dependency { .product(name: "FineTuning", package: "SwiftFineTuning") }
var distributed: Target.Dependency { .product(name: "Distributed", package: "SwiftFineTuning") }
var retrieval: Target.Dependency { .product(name: "Retrieval", package: "SwiftFineTuning") }
// FAISS (Debian's libfaiss-dev, `make deps`): only compare-rag's index comparison needs it.
var retrievalFAISS: Target.Dependency { .product(name: "RetrievalFAISS", package: "SwiftFineTuning") }
var argumentParser: Target.Dependency { .product(name: "ArgumentParser", package: "swift-argument-parser") }

let package = Package(
    name: "Examples",
    products: [
        .executable(name: "demo", targets: ["Demo"]),
        .executable(name: "embed", targets: ["Embed"]),
        .executable(name: "embed-benchmark", targets: ["EmbedBenchmark"]),
        .executable(name: "full-finetune", targets: ["FullFinetune"]),
        .executable(name: "partial-finetune", targets: ["PartialFinetune"]),
        .executable(name: "lora-finetune", targets: ["LoraFinetune"]),
        .executable(name: "compare-strategies", targets: ["CompareStrategies"]),
        .executable(name: "adapter-switching", targets: ["AdapterSwitching"]),
        .executable(name: "generate", targets: ["Generate"]),
        .executable(name: "finetune-llm", targets: ["FinetuneLLM"]),
        .executable(name: "fuse", targets: ["Fuse"]),
        .executable(name: "finetune", targets: ["Finetune"]),
        .executable(name: "predict", targets: ["Predict"]),
        .executable(name: "train-lm", targets: ["TrainLM"]),
        .executable(name: "compare-rag", targets: ["CompareRAG"]),
    ],
    dependencies: [
        .package(name: "SwiftFineTuning", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(name: "Demo", dependencies: [tensorKit], path: "Demo"),
        .executableTarget(name: "Embed", dependencies: [fineTuning, argumentParser], path: "Embed"),
        .executableTarget(name: "Generate", dependencies: [fineTuning, argumentParser], path: "Generate"),
        .executableTarget(name: "Fuse", dependencies: [fineTuning, argumentParser], path: "Fuse"),
        .executableTarget(name: "EmbedBenchmark", dependencies: [fineTuning, argumentParser], path: "EmbedBenchmark"),
        // The fine-tuning examples: shared code (data, runs, reports), shared options, one program each.
        .target(name: "ExampleSupport", dependencies: [fineTuning], path: "ExampleSupport"),
        .target(name: "ExampleCommandLine", dependencies: ["ExampleSupport", argumentParser, distributed], path: "ExampleCommandLine"),
        .target(name: "LLMSupport", dependencies: ["ExampleSupport", argumentParser], path: "LLMSupport"),
        // Data parallel under mpirun (--distributed), as the encoder programs (ExampleCommandLine).
        .executableTarget(name: "FinetuneLLM", dependencies: ["LLMSupport", "ExampleSupport", distributed], path: "FinetuneLLM"),
        .executableTarget(name: "FullFinetune", dependencies: ["ExampleCommandLine"], path: "FullFinetune"),
        .executableTarget(name: "PartialFinetune", dependencies: ["ExampleCommandLine"], path: "PartialFinetune"),
        .executableTarget(name: "LoraFinetune", dependencies: ["ExampleCommandLine"], path: "LoraFinetune"),
        .executableTarget(name: "CompareStrategies", dependencies: ["ExampleCommandLine", "LLMSupport"], path: "CompareStrategies"),
        .executableTarget(name: "AdapterSwitching", dependencies: ["ExampleCommandLine"], path: "AdapterSwitching"),
        // Your own data: finetune trains on CSV/TSV/JSONL files, predict labels texts with the saved run.
        .executableTarget(name: "Finetune", dependencies: ["ExampleCommandLine"], path: "Finetune"),
        .executableTarget(name: "Predict", dependencies: ["ExampleSupport", argumentParser], path: "Predict"),
        // A language model trained from scratch on your own text: the run, then the program.
        .target(name: "LMSupport", dependencies: [fineTuning], path: "LMSupport"),
        .executableTarget(name: "TrainLM", dependencies: ["LMSupport", argumentParser], path: "TrainLM"),
        // Fine-tuning or RAG: city knowledge, questions, the four paths, scoring and the report.
        .target(name: "RAGSupport", dependencies: ["ExampleSupport", "LLMSupport", retrieval, retrievalFAISS], path: "RAGSupport"),
        .executableTarget(name: "CompareRAG", dependencies: ["RAGSupport", "ExampleSupport", argumentParser], path: "CompareRAG"),
        .testTarget(name: "ExamplesTests", dependencies: ["ExampleSupport", "ExampleCommandLine", "LLMSupport", "LMSupport",
                                                        "RAGSupport", fineTuning, retrieval, argumentParser],
                    path: "Tests/ExamplesTests"),
    ],
    swiftLanguageModes: [.v6]
)
