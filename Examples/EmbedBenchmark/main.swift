// embed-benchmark: sentence-embedding throughput of SentenceEmbedder (texts → unit vectors,
// tokenization included), to compare with scripts/bench_embed_pytorch.py on the same inputs.
//
//   swift run -c release embed-benchmark data/all-MiniLM-L6-v2 sentences.txt [batch 32] [max-length 64] [repeats 3]
//
// Prints one line per repeat and the best: sentences per second.
import Foundation
import FineTuning
import TensorKit

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: embed-benchmark MODEL_DIR SENTENCES_FILE [batch] [max-length] [repeats]\n".utf8))
    exit(2)
}
let batchSize = arguments.count > 3 ? Int(arguments[3])! : 32
let maxLength = arguments.count > 4 ? Int(arguments[4])! : 64
let repeats = arguments.count > 5 ? Int(arguments[5])! : 3
let texts = try String(contentsOfFile: arguments[2], encoding: .utf8).split(separator: "\n").map(String.init)

var start = Date()
let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: arguments[1]), maxLength: maxLength,
                                    batchSize: batchSize)
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
