// embed-benchmark: sentence-embedding throughput of SentenceEmbedder (texts → unit vectors,
// tokenization included), to compare with scripts/bench_embed_pytorch.py on the same inputs.
//
//   swift run --package-path Examples -c release embed-benchmark data/all-MiniLM-L6-v2 sentences.txt --batch-size 32 --max-length 64 --repeats 3
//
// Prints one line per repeat and the best: sentences per second.
import ArgumentParser
import Foundation
import FineTuning
import TensorKit

struct EmbedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-benchmark",
        abstract: "Measures sentence-embedding throughput (sentences per second, tokenization included).")

    @Argument(help: ArgumentHelp("The sentence-transformers model folder (e.g. data/all-MiniLM-L6-v2).", valueName: "model-folder"))
    var model: String

    @Argument(help: ArgumentHelp("A text file, one sentence per line.", valueName: "sentences-file"))
    var sentences: String

    @Option(parsing: .unconditional, help: "Sentences per forward pass.")
    var batchSize = 32

    @Option(parsing: .unconditional, help: "Longest token sequence, special tokens included.")
    var maxLength = 64

    @Option(parsing: .unconditional, help: "Timed passes over the file (the best is reported).")
    var repeats = 3

    func validate() throws {
        guard (1...65_536).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...65536, got \(batchSize)") }
        guard (3...512).contains(maxLength) else { throw ValidationError("--max-length must be in 3...512, got \(maxLength)") }
        guard (1...1_000).contains(repeats) else { throw ValidationError("--repeats must be in 1...1000, got \(repeats)") }
    }

    func run() throws {
        guard let contents = try? String(contentsOfFile: sentences, encoding: .utf8) else {
            throw ValidationError("cannot read sentences from \(sentences)")
        }
        let texts = contents.split(separator: "\n").map(String.init)
        guard !texts.isEmpty else { throw ValidationError("\(sentences) holds no sentences") }

        var start = Date()
        let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: model), maxLength: maxLength, batchSize: batchSize)
        print(String(format: "load: %.2f s", Date().timeIntervalSince(start)))
        _ = embedder.embed(Array(texts.prefix(batchSize)))  // warm-up: buffer caches, BLAS threads

        var best = 0.0, bestCPU = 0.0
        for run in 0..<repeats {
            start = Date()
            let cpuStart = Self.cpuSeconds()
            let vectors = embedder.embed(texts)
            let seconds = Date().timeIntervalSince(start), cpu = Self.cpuSeconds() - cpuStart
            guard vectors.count == texts.count else { throw ValidationError("got \(vectors.count) vectors for \(texts.count) sentences") }
            best = max(best, Double(texts.count) / seconds)
            bestCPU = max(bestCPU, Double(texts.count) / cpu)
            print(String(format: "swift run %d: %d sentences in %.3f s = %.1f sentences/s (%.1f per CPU-second)", run,
                         texts.count, seconds, Double(texts.count) / seconds, Double(texts.count) / cpu))
        }
        print(String(format: "swift best: %.1f sentences/s, %.1f per CPU-second (batch %d, max length %d)", best, bestCPU,
                     batchSize, maxLength))
    }

    /// CPU seconds used by this process (all threads), which a busy shared machine disturbs less
    /// than wall-clock time.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

EmbedBenchmark.main()
