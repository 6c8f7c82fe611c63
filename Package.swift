// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SwiftFineTuning",
    products: [
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "FineTuning", targets: ["FineTuning"]),
        .executable(name: "demo", targets: ["Demo"]),
        .executable(name: "embed", targets: ["Embed"]),
        .executable(name: "embed-benchmark", targets: ["EmbedBenchmark"]),
    ],
    dependencies: [
        // Only the command-line examples use it; the libraries have no dependencies.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "TensorKit", dependencies: ["CBLAS"]),
        .target(name: "FineTuning", dependencies: ["TensorKit"]),
        .executableTarget(name: "Demo", dependencies: ["TensorKit"], path: "Examples/Demo"),
        .executableTarget(name: "Embed", dependencies: [
            "FineTuning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Examples/Embed"),
        .executableTarget(name: "EmbedBenchmark", dependencies: ["FineTuning"], path: "Examples/EmbedBenchmark"),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"]),
        .testTarget(name: "FineTuningTests", dependencies: ["FineTuning"]),
    ],
    swiftLanguageModes: [.v6]
)
