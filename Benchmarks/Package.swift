// swift-tools-version: 6.1
// Benchmarks live in their own package so users of the library never resolve their dependencies.
//
//     swift package --package-path Benchmarks benchmark                 # ordo-one/benchmark suites
//     swift run -c release --package-path Benchmarks train-bench --workload gpt_full
//     python3 Benchmarks/peers/race.py                                  # side by side with PyTorch
import PackageDescription

let package = Package(
    name: "Benchmarks",
    dependencies: [
        .package(name: "SwiftFineTuning", path: ".."),
        // Only the malloc interposer trait: the runtime (ARC) interposer pulls a package this
        // project does not need, and ARC counts are not what these benchmarks watch.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1",
                 traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
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
        // The training workloads (GPT full/partial, ...) shared by train-bench and ModelBenchmarks.
        .target(
            name: "Workloads",
            dependencies: [
                .product(name: "TensorKit", package: "SwiftFineTuning"),
                .product(name: "FineTuning", package: "SwiftFineTuning"),
            ]
        ),
        // One training step of a workload, timed, as one JSON line (the PyTorch peer prints the same).
        .executableTarget(
            name: "train-bench",
            dependencies: [
                "Workloads",
                "RawBLAS",
                .product(name: "TensorKit", package: "SwiftFineTuning"),
                .product(name: "FineTuning", package: "SwiftFineTuning"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/TrainBench"
        ),
        // ordo-one/benchmark suites: the plugin finds them under Benchmarks/<Name>/.
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TensorKit", package: "SwiftFineTuning"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TensorKit", package: "SwiftFineTuning"),
                .product(name: "FineTuning", package: "SwiftFineTuning"),
                "Workloads",
            ],
            path: "Benchmarks/ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
