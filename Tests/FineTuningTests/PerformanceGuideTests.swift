import Testing
import FineTuning

// The code of Documentation/Performance.md ("Practical advice"), compiled and run (public API only).

@Suite(.serialized) struct PerformanceGuideTests {
    @Test func threadsSnippet() {
        let saved = (Threads.kernelThreads, Threads.blasThreads)
        defer {
            Threads.kernelThreads = saved.0
            if let blas = saved.1 { Threads.setBLASThreads(blas) }
        }
        Threads.kernelThreads = 2
        let hasSetting = Threads.setBLASThreads(2)      // false when the BLAS library has no such setting
        #expect(Threads.kernelThreads == 2)
        #expect(hasSetting == (saved.1 != nil))
    }

    @Test func memorySnippet() {
        let savedLimit = Memory.cacheLimit
        defer { Memory.cacheLimit = savedLimit }
        let model = GPT(GPTConfig(vocabularySize: 64, maxPositions: 32, dim: 32, layers: 2, heads: 4),
                        generator: Generator(seed: 0))
        let inputs = Tensor((0..<64).map { Int64($0 % 64) }, shape: [2, 32])
        let targets = inputs
        let before = Memory.activeBytes

        Memory.resetPeak()
        let loss = model.loss(inputs, targets: targets)
        loss.backward()
        print(Memory.peakActiveBytes >> 20, "MiB peak in tensors;", Memory.cachedBytes >> 20, "MiB cached")
        Memory.cacheLimit = 64 << 20   // keep at most 64 MiB of freed buffers (0: no cache)
        Memory.clearCache()            // hand every cached buffer back now

        // Other suites allocate in parallel, so only what holds whatever they do is checked here
        // (TensorKitTests.MemoryTests checks the exact counts in a process of its own).
        #expect(Memory.peakActiveBytes > 0 && before >= 0)
        #expect(Memory.cachedBytes <= 64 << 20)
        #expect(Memory.cacheLimit == 64 << 20)
    }
}
