// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SwiftFineTuning",
    products: [
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "FineTuning", targets: ["FineTuning"]),
        // Data-parallel training on Open MPI; the only product that needs MPI installed.
        .library(name: "Distributed", targets: ["Distributed"]),
        .executable(name: "demo", targets: ["Demo"]),
        .executable(name: "embed", targets: ["Embed"]),
        .executable(name: "embed-benchmark", targets: ["EmbedBenchmark"]),
        .executable(name: "full-finetune", targets: ["FullFinetune"]),
        .executable(name: "partial-finetune", targets: ["PartialFinetune"]),
        .executable(name: "lora-finetune", targets: ["LoraFinetune"]),
        .executable(name: "compare-strategies", targets: ["CompareStrategies"]),
        .executable(name: "adapter-switching", targets: ["AdapterSwitching"]),
        .executable(name: "fuzz", targets: ["FuzzRunner"]),
        .executable(name: "generate", targets: ["Generate"]),
        .executable(name: "finetune-llm", targets: ["FinetuneLLM"]),
        .executable(name: "fuse", targets: ["Fuse"]),
    ],
    dependencies: [
        // Only the command-line examples use it; the libraries have no dependencies.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // For `swift package generate-documentation` (`make docs`) only; no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "TensorKit", dependencies: ["CBLAS"]),
        // Text to token ids and back; depends on nothing, so it serves any model runtime.
        .target(name: "Tokenizers"),
        // Layers, models, strategies and the trainer; re-exports TensorKit and Tokenizers.
        .target(name: "FineTuning", dependencies: ["TensorKit", "Tokenizers"]),
        // Open MPI from the system (Debian: libopenmpi-dev), found through pkg-config.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // Collectives and data-parallel training; nothing else in the package depends on it.
        .target(name: "Distributed", dependencies: ["FineTuning", "CMPI"]),
        .executableTarget(name: "Demo", dependencies: ["TensorKit"], path: "Examples/Demo"),
        .executableTarget(name: "Embed", dependencies: [
            "FineTuning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/Embed"),
        .executableTarget(name: "Generate", dependencies: [
            "FineTuning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/Generate"),
        .executableTarget(name: "FinetuneLLM", dependencies: ["LLMSupport", "ExampleSupport"], path: "Examples/FinetuneLLM"),
        .executableTarget(name: "Fuse", dependencies: [
            "FineTuning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/Fuse"),
        .target(name: "LLMSupport", dependencies: [
            "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/LLMSupport"),
        .executableTarget(name: "EmbedBenchmark", dependencies: ["FineTuning"], path: "Examples/EmbedBenchmark"),
        // The fine-tuning examples: shared code (data, runs, reports), shared options, one program each.
        .target(name: "ExampleSupport", dependencies: ["FineTuning"], path: "Examples/ExampleSupport"),
        .target(name: "ExampleCommandLine", dependencies: [
            "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/ExampleCommandLine"),
        .executableTarget(name: "FullFinetune", dependencies: ["ExampleCommandLine"], path: "Examples/FullFinetune"),
        .executableTarget(name: "PartialFinetune", dependencies: ["ExampleCommandLine"], path: "Examples/PartialFinetune"),
        .executableTarget(name: "LoraFinetune", dependencies: ["ExampleCommandLine"], path: "Examples/LoraFinetune"),
        .executableTarget(name: "CompareStrategies", dependencies: ["ExampleCommandLine", "LLMSupport"], path: "Examples/CompareStrategies"),
        .executableTarget(name: "AdapterSwitching", dependencies: ["ExampleCommandLine"], path: "Examples/AdapterSwitching"),
        // Fixture paths and the pretrained MiniLM folder, shared by the test targets (fetched once).
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        // Every external input fed with mutated bytes (`make fuzz`); the corpus replays in `make test`.
        .target(name: "FuzzTargets", dependencies: ["FineTuning"], path: "Fuzz/FuzzTargets"),
        .executableTarget(name: "FuzzRunner", dependencies: ["FuzzTargets"], path: "Fuzz/Runner"),
        // Run under `mpirun -np 2` by DistributedTests: collectives, data-parallel parity, failures.
        .executableTarget(name: "DistributedChecks", dependencies: ["Distributed"], path: "Tests/DistributedChecks"),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed"]),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestFixtures"]),
        .testTarget(name: "FineTuningTests", dependencies: ["FineTuning", "ExampleSupport", "LLMSupport", "TestFixtures", "FuzzTargets"]),
    ],
    swiftLanguageModes: [.v6]
)
