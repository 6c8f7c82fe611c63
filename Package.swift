// swift-tools-version: 6.0
import Foundation
import PackageDescription

// The libraries have no package dependencies, so a project that uses them resolves nothing else.
// The example programs live in Examples/ (their own package) and the benchmarks in Benchmarks/.
var dependencies: [Package.Dependency] = []
// `make docs` sets SWIFTFT_DOCS=1 for `swift package generate-documentation`; no target uses the
// plugin, and leaving it out otherwise keeps it out of every consumer's dependency graph.
if ProcessInfo.processInfo.environment["SWIFTFT_DOCS"] != nil {
    dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}

let package = Package(
    name: "SwiftFineTuning",
    products: [
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "FineTuning", targets: ["FineTuning"]),
        .library(name: "Retrieval", targets: ["Retrieval"]),
        .library(name: "RetrievalFAISS", targets: ["RetrievalFAISS"]),
        // Data-parallel training on Open MPI; the only product that needs MPI installed.
        .library(name: "Distributed", targets: ["Distributed"]),
        .executable(name: "fuzz", targets: ["FuzzRunner"]),
    ],
    dependencies: dependencies,
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // AVX2 quantized dot products in plain C (chosen at run time; no compiler flags needed).
        .target(name: "CQuantizedKernels"),
        .target(name: "TensorKit", dependencies: ["CBLAS", "CQuantizedKernels"]),
        // Text to token ids and back; depends on nothing, so it serves any model runtime.
        .target(name: "Tokenizers"),
        // Layers, models, strategies and the trainer; re-exports TensorKit and Tokenizers.
        .target(name: "FineTuning", dependencies: ["TensorKit", "Tokenizers"]),
        // Vector index, passage store and RAG prompts over MiniLM embeddings; needs only BLAS.
        .target(name: "Retrieval", dependencies: ["FineTuning", "CBLAS"]),
        // A C view of Debian's libfaiss.a (C++ only); static FAISS needs OpenMP and BLAS/LAPACK at link time.
        .target(name: "CFAISSShim", cxxSettings: [.headerSearchPath("openmp")], linkerSettings: [
            .linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("lapack"), .linkedLibrary("blas"),
        ]),
        // FAISS (HNSW, IVF, flat) behind Retrieval's VectorIndex; the only product that needs libfaiss-dev.
        .target(name: "RetrievalFAISS", dependencies: ["Retrieval", "CFAISSShim"]),
        // Open MPI from the system (Debian: libopenmpi-dev), found through pkg-config.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // Collectives and data-parallel training; nothing else in the package depends on it.
        .target(name: "Distributed", dependencies: ["FineTuning", "CMPI"]),
        // Fixture paths and the pretrained MiniLM folder, shared by the test targets (fetched once).
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        // A shape mistake in a release build; `make test` builds it so a test can read its stderr.
        .executableTarget(name: "PreconditionProbe", dependencies: ["TensorKit"], path: "Tests/PreconditionProbe"),
        // Prints around a short training run; a test reads its piped stdout for the order of lines.
        .executableTarget(name: "TrainerOutputProbe", dependencies: ["FineTuning"], path: "Tests/TrainerOutputProbe"),
        // Every external input fed with mutated bytes (`make fuzz`); the corpus replays in `make test`.
        .target(name: "FuzzTargets", dependencies: ["FineTuning"], path: "Fuzz/FuzzTargets"),
        .executableTarget(name: "FuzzRunner", dependencies: ["FuzzTargets"], path: "Fuzz/Runner"),
        // Run under `mpirun -np 2` by DistributedTests: collectives, data-parallel parity, failures.
        .executableTarget(name: "DistributedChecks", dependencies: ["Distributed"], path: "Tests/DistributedChecks"),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed"]),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestFixtures"]),
        .testTarget(name: "RetrievalTests", dependencies: ["Retrieval", "TestFixtures"]),
        .testTarget(name: "RetrievalFAISSTests", dependencies: ["RetrievalFAISS", "TestFixtures"]),
        .testTarget(name: "FineTuningTests", dependencies: ["FineTuning", "TestFixtures", "FuzzTargets"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
