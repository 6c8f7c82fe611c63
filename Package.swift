// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SwiftFineTuning",
    products: [
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "FineTuning", targets: ["FineTuning"]),
        .executable(name: "demo", targets: ["Demo"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "TensorKit", dependencies: ["CBLAS"]),
        .target(name: "FineTuning", dependencies: ["TensorKit"]),
        .executableTarget(name: "Demo", dependencies: ["TensorKit"], path: "Examples/Demo"),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"]),
        .testTarget(name: "FineTuningTests", dependencies: ["FineTuning"]),
    ],
    swiftLanguageModes: [.v6]
)
