// swift-tools-version: 6.1
// Benchmarks live in their own package so users of the library never resolve their dependencies.
import PackageDescription

let package = Package(
    name: "Benchmarks",
    dependencies: [
        .package(name: "SwiftFineTuning", path: ".."),
    ],
    targets: [
        // Raw CBLAS, to time TensorKit against direct calls on the same buffers.
        .systemLibrary(name: "RawBLAS", path: "Sources/RawBLAS"),
        .executableTarget(
            name: "kernel-bench",
            dependencies: [
                .product(name: "TensorKit", package: "SwiftFineTuning"),
                "RawBLAS",
            ],
            path: "Sources/KernelBench"
        ),
    ],
    swiftLanguageModes: [.v6]
)
