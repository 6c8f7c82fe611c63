// Times TensorKit's matmul against calling cblas_sgemm directly on the same buffers, for a plain
// product and for a transposed right operand (a view TensorKit passes to BLAS as CblasTrans).
//
//     swift build -c release --package-path Benchmarks
//     Benchmarks/.build/release/kernel-bench [size] [runs]
//
// The two are measured in alternating blocks of runs, so drift in machine load hits both alike;
// the median of the runs after a warm-up is reported, with the ratio TensorKit / raw BLAS (which
// runs with OpenBLAS's own threads, as a direct caller gets it; TensorKit splits its products
// across its own threads instead).
import Foundation
import RawBLAS
import TensorKit

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let size = arguments.first ?? 1024
let runs = arguments.dropFirst().first ?? 21
let warmup = 3

let a = Tensor.uniform([size, size], low: -1, high: 1, generator: Generator(seed: 1))
let b = Tensor.uniform([size, size], low: -1, high: 1, generator: Generator(seed: 2))
var raw = [Float](repeating: 0, count: size * size)

/// Sets OpenBLAS's own thread count: TensorKit keeps it at one and splits products across its
/// threads, while a direct caller gets the library's threading (Threads.blasThreads of them).
func setLibraryThreads(_ count: Int) {
    typealias SetThreads = @convention(c) (Int32) -> Void
    guard let symbol = dlsym(nil, "openblas_set_num_threads") else { return }
    unsafeBitCast(symbol, to: SetThreads.self)(Int32(count))
}

func rawSgemm(_ a: Tensor, _ b: Tensor, transposeB: Bool, into raw: inout [Float], size: Int) {
    let n = Int32(size)
    raw.withUnsafeMutableBufferPointer { c in
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, n, n, n, 1,
                    a.pointer(as: Float.self), n, b.pointer(as: Float.self), n, 0, c.baseAddress, n)
    }
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
        : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Times `a · b` (or `a · bᵀ` through a transposed view) both ways and prints the comparison.
@MainActor
func compare(_ label: String, transposeB: Bool) {
    let right = transposeB ? b.transposed() : b
    var last: Tensor?
    let threads = Threads.blasThreads ?? 1
    func timedRaw() -> Double {
        setLibraryThreads(threads)
        defer { setLibraryThreads(1) }
        return seconds { rawSgemm(a, b, transposeB: transposeB, into: &raw, size: size) }
    }
    for _ in 0..<warmup {
        last = a.matmul(right)
        _ = timedRaw()
    }
    Thread.sleep(forTimeInterval: 0.3)
    // Alternating blocks of runs rather than single runs: OpenBLAS's workers spin for a while
    // after each raw product and would take a core from the product right after it.
    var tensorKitTimes: [Double] = [], rawTimes: [Double] = []
    let blocks = 3
    for block in 0..<blocks {
        let count = runs * (block + 1) / blocks - runs * block / blocks
        for _ in 0..<count { tensorKitTimes.append(seconds { last = a.matmul(right) }) }
        for _ in 0..<count { rawTimes.append(timedRaw()) }
        // Until they park (OpenBLAS's default spin is 2^28 cycles, about 0.1 s).
        Thread.sleep(forTimeInterval: 0.3)
    }
    // Same library; the blocks TensorKit cuts the product into may round the last bit
    // differently from OpenBLAS's own split, so the check allows float32 rounding.
    let same = zip(last!.scalars(as: Float.self), raw).allSatisfy { abs($0 - $1) <= 1e-4 * Swift.max(1, abs($1)) }
    let flops = 2 * Double(size) * Double(size) * Double(size)
    let tk = median(tensorKitTimes), blas = median(rawTimes)
    print("\(label), median of \(runs) runs after \(warmup) warm-up")
    print(String(format: "  TensorKit matmul : %8.3f ms  (%6.1f GFLOP/s)", tk * 1e3, flops / tk / 1e9))
    print(String(format: "  raw cblas_sgemm  : %8.3f ms  (%6.1f GFLOP/s)", blas * 1e3, flops / blas / 1e9))
    print(String(format: "  ratio TensorKit / raw: %.3f   results agree: %@", tk / blas, same ? "yes" : "NO"))
}

compare("matmul float32 [\(size), \(size)] · [\(size), \(size)]", transposeB: false)
compare("matmul float32 [\(size), \(size)] · [\(size), \(size)]ᵀ (transposed view, CblasTrans)", transposeB: true)
