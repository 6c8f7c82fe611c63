// embed-benchmark: sentence-embedding throughput of SentenceEmbedder (texts → unit vectors,
// tokenization included), to compare with scripts/bench_embed_pytorch.py on the same inputs.
//
//   swift run --package-path Examples -c release embed-benchmark data/all-MiniLM-L6-v2 sentences.txt [batch 32] [max-length 64] [repeats 3]
//
// Prints one line per repeat and the best: sentences per second.
import Foundation
import FineTuning
import TensorKit

let usage = "usage: embed-benchmark MODEL_DIR SENTENCES_FILE [batch 32] [max-length 64] [repeats 3]\n"
/// Prints `message` and the usage line, and exits with status 2 (a bad command line).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-benchmark: \(message)\n\(usage)".utf8))
    exit(2)
}
/// The positional count argument at `index`, or `fallback` when absent; must lie in `range`.
func count(_ index: Int, _ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
    guard arguments.count > index else { return fallback }
    guard let value = Int(arguments[index]), range.contains(value) else {
        fail("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(arguments[index])'")
    }
    return value
}

let arguments = CommandLine.arguments
guard (3...6).contains(arguments.count) else { fail(arguments.count < 3 ? "missing arguments" : "too many arguments") }
let batchSize = count(3, "batch", default: 32, range: 1...65_536)
let maxLength = count(4, "max-length", default: 64, range: 3...512)
let repeats = count(5, "repeats", default: 3, range: 1...1_000)
let texts: [String]
do {
    texts = try String(contentsOfFile: arguments[2], encoding: .utf8).split(separator: "\n").map(String.init)
} catch {
    fail("cannot read sentences from \(arguments[2]): \(error.localizedDescription)")
}
guard !texts.isEmpty else { fail("\(arguments[2]) holds no sentences") }

var start = Date()
let embedder: SentenceEmbedder
do {
    embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: arguments[1]), maxLength: maxLength, batchSize: batchSize)
} catch {
    fail("cannot load the model: \(error)")
}
print(String(format: "load: %.2f s", Date().timeIntervalSince(start)))
_ = embedder.embed(Array(texts.prefix(batchSize)))  // warm-up: buffer caches, BLAS threads
/// CPU seconds used by this process (all threads), which a busy shared machine disturbs less
/// than wall-clock time.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

var best = 0.0, bestCPU = 0.0
for run in 0..<repeats {
    start = Date()
    let cpuStart = cpuSeconds()
    let vectors = embedder.embed(texts)
    let seconds = Date().timeIntervalSince(start), cpu = cpuSeconds() - cpuStart
    precondition(vectors.count == texts.count)
    best = max(best, Double(texts.count) / seconds)
    bestCPU = max(bestCPU, Double(texts.count) / cpu)
    print(String(format: "swift run %d: %d sentences in %.3f s = %.1f sentences/s (%.1f per CPU-second)", run,
                 texts.count, seconds, Double(texts.count) / seconds, Double(texts.count) / cpu))
}
print(String(format: "swift best: %.1f sentences/s, %.1f per CPU-second (batch %d, max length %d)", best, bestCPU,
             batchSize, maxLength))
